# Modelled on the scikit-learn "Getting started" page (https://scikit-learn.org/stable/getting_started.html):
# no Keras at all, so there is no Keras fit to read.
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler

X = [[1, 2, 3], [11, 12, 13]]
y = [0, 1]
scaler = StandardScaler().fit(X)
clf = RandomForestClassifier(random_state=0)
clf.fit(X, y)
