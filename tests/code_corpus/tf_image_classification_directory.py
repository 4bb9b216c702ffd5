# Modelled on the TensorFlow tutorial "Image classification" with the flowers folder
# (https://www.tensorflow.org/tutorials/images/classification).
import tensorflow as tf
from tensorflow.keras import layers

data_dir = "flower_photos"
batch_size = 32
img_height = 180
img_width = 180

train_ds = tf.keras.utils.image_dataset_from_directory(
    data_dir,
    validation_split=0.2,
    subset="training",
    seed=123,
    image_size=(img_height, img_width),
    batch_size=batch_size,
)
val_ds = tf.keras.utils.image_dataset_from_directory(
    data_dir,
    validation_split=0.2,
    subset="validation",
    seed=123,
    image_size=(img_height, img_width),
    batch_size=batch_size,
)

AUTOTUNE = tf.data.AUTOTUNE
train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)

model = tf.keras.Sequential([layers.Rescaling(1.0 / 255), layers.Conv2D(16, 3), layers.Flatten(), layers.Dense(5)])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])

epochs = 10
history = model.fit(train_ds, validation_data=val_ds, epochs=epochs)
