"""The Keras code for a scenario: what a student would type to get exactly this plan.

Every source the format names is written with the API a student would use: NumPy arrays, the
whole tf.data chain step by step, a hand-written generator, a ``keras.utils.PyDataset``
subclass, an ``ImageDataGenerator().flow``, and ``image_dataset_from_directory`` for a split
made by the loader. The scenario's flavour is written in too: tf.keras 2 (the environment
variable that selects it, and a ``keras.utils.Sequence``, since tf.keras 2 has no PyDataset),
Keras 3's JAX or PyTorch backend, and ``MirroredStrategy`` over several devices.
``tests/test_codegen_runs.py`` runs this code with real Keras and checks that it feeds the
planned batches; ``tests/test_codegen_flavours.py`` does the same for every flavour.
"""

from __future__ import annotations

from core.scenario import DataSpec, PipelineStep, Scenario, ValidationSet, ValidationSplit
from core.words import ordinal

# The directory loader resizes every image to this; any size gives the same batches.
DIRECTORY_IMAGE_SIZE = (64, 64)
# image_dataset_from_directory needs the same seed for both subsets to come from one split.
DIRECTORY_SEED = 1337
DIRECTORY = "images/"
BACKEND_NAMES = {"jax": "JAX", "torch": "PyTorch"}


def fit_code(scenario: Scenario) -> str:
    """Copyable Python: the data pipeline(s) and the model.compile / model.fit calls."""
    return "\n".join(_CodeWriter(scenario).lines()) + "\n"


class _CodeWriter:
    """One scenario's code, section by section: imports, classes, data, model, compile, fit."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.validation = scenario.validation
        split_by = self.validation.split_by if isinstance(self.validation, ValidationSplit) else "fit"
        self.split_by = split_by
        specs: list[DataSpec] = [scenario.train]
        if isinstance(self.validation, ValidationSet):
            specs.append(self.validation)
        self.specs = specs
        sources = {spec.source for spec in specs}
        # A flow takes images (rank 4): then every data set holds 1x1-pixel images, so one model reads them all.
        self.images = "image_data_generator" in sources or split_by == "image_data_generator"
        self.shape = "1, 1, 1" if self.images else "1"

    # ------------------------------------------------------------ sections

    def lines(self) -> list[str]:
        out = self._imports()
        out += self._strategy()
        out += self._classes()
        out += self._data()
        build = [*self._model(), self._compile()]
        if self.scenario.replicas > 1:
            build = [
                "with strategy.scope():  # the model and its optimizer are copied onto every device",
                *("    " + line for line in build),
            ]
        out += ["", *build, self._fit()]
        return out

    def _imports(self) -> list[str]:
        scenario = self.scenario
        sources = {spec.source for spec in self.specs}
        imports = []
        # Which Keras, and which backend, is fixed when it is first imported: the variable goes first.
        if scenario.keras == "2":
            selector = 'os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras 2 (pip install tf-keras): before importing TensorFlow'
            imports = ["import os", "", selector, ""]
        elif scenario.backend != "tensorflow":
            backend = f'os.environ["KERAS_BACKEND"] = "{scenario.backend}"'
            imports = ["import os", "", f"{backend}  # Keras 3 on {BACKEND_NAMES[scenario.backend]}: before importing Keras", ""]
        if "pydataset" in sources and any(spec.samples is not None for spec in self.specs if spec.source == "pydataset"):
            imports.append("import math")
        imports.append("import numpy as np")
        if scenario.keras == "2":
            imports.append("import tensorflow as tf")
        else:
            imports.append("import keras")
            if scenario.replicas > 1 or ("dataset" in sources and self.split_by != "directory"):
                # Keras 3 reads a tf.data dataset on any backend; only the TensorFlow package must be there.
                imports.append("import tensorflow as tf" + ("" if scenario.backend == "tensorflow" else "  # for tf.data"))
        if self.images:
            imports.append("from tensorflow.keras.preprocessing.image import ImageDataGenerator")
        if scenario.keras == "2":
            imports += ["", "keras = tf.keras  # tf.keras 2, from the tf-keras package"]
        return [*imports, ""]

    def _strategy(self) -> list[str]:
        """MirroredStrategy, made before any data: TensorFlow fixes its devices when it first runs anything."""
        replicas = self.scenario.replicas
        if replicas == 1:
            return []
        return [
            f"# MirroredStrategy: one copy of the model on each of {replicas} devices; every global batch is split between them.",
            f"# No {replicas} GPUs? Uncomment these two lines to split the CPU into {replicas} logical devices:",
            '# cpu = tf.config.list_physical_devices("CPU")[0]',
            f"# tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * {replicas})",
            "strategy = tf.distribute.MirroredStrategy()  # every GPU, or else every (logical) CPU device",
            f'print("replicas:", strategy.num_replicas_in_sync)  # the plan is for {replicas}',
            "",
        ]

    def _classes(self) -> list[str]:
        pydatasets = [spec for spec in self.specs if spec.source == "pydataset"]
        out: list[str] = []
        if any(spec.samples is not None for spec in pydatasets):
            out += self._batches_class(drop=any(spec.drop_remainder for spec in pydatasets if spec.samples is not None))
        if any(spec.samples is None for spec in pydatasets):
            out += self._endless_batches_class()
        return out

    def _data(self) -> list[str]:
        train = self.scenario.train
        if self.split_by == "directory":
            return self._directory_split_lines()
        if self.split_by == "image_data_generator":
            return self._flow_split_lines()
        if self._split_by_take_and_skip():
            return self._take_skip_split_lines()
        out = self._data_lines("x", "y", "train_data", train, train.batch_size or 32)
        if isinstance(self.validation, ValidationSet):
            out += ["", *self._data_lines("x_val", "y_val", "val_data", self.validation, self._validation_batch_size())]
        return out

    def _model(self) -> list[str]:
        if self.split_by == "directory":
            height, width = DIRECTORY_IMAGE_SIZE
            layers = f"keras.Input(({height}, {width}, 3)), keras.layers.Flatten(), keras.layers.Dense(1)"
        elif self.images:
            layers = "keras.Input((1, 1, 1)), keras.layers.Flatten(), keras.layers.Dense(1)"
        else:
            layers = "keras.Input((1,)), keras.layers.Dense(1)"
        return [f"model = keras.Sequential([{layers}])"]

    def _compile(self) -> str:
        scenario = self.scenario
        accumulation = scenario.gradient_accumulation_steps
        # The optimizer sums G batches' gradients and changes the weights once, after every G-th batch.
        optimizer = f"keras.optimizers.SGD(gradient_accumulation_steps={accumulation})" if accumulation else '"sgd"'
        execution = f", steps_per_execution={scenario.steps_per_execution}" if scenario.steps_per_execution != 1 else ""
        return f'model.compile(optimizer={optimizer}, loss="mse"{execution})'

    def _fit(self) -> str:
        scenario = self.scenario
        train = scenario.train
        validation = self.validation
        args: list[str] = []
        if train.source == "arrays" and self.split_by == "fit":
            args += ["x", "y", f"batch_size={train.batch_size}"]
        else:
            args.append("train_data")
            if self._validation_arrays_take_fit_batch_size():
                # Ignored for the batched training data, but it batches the validation arrays.
                args.append(f"batch_size={train.batch_size}")
        if not train.shuffle:
            args.append("shuffle=False")
        args.append(f"epochs={scenario.epochs}")
        if scenario.initial_epoch:
            args.append(f"initial_epoch={scenario.initial_epoch}")
        if scenario.steps_per_epoch:
            args.append(f"steps_per_epoch={scenario.steps_per_epoch}")
        if isinstance(validation, ValidationSplit):
            if self.split_by == "fit":
                args.append(f"validation_split={validation.split}")
            else:
                args.append("validation_data=val_data")
        elif isinstance(validation, ValidationSet):
            args.append("validation_data=(x_val, y_val)" if validation.source == "arrays" else "validation_data=val_data")
        if validation is not None:
            takes_batch_size = (
                self.split_by == "fit" if isinstance(validation, ValidationSplit) else validation.source == "arrays"
            )
            if validation.batch_size and takes_batch_size:
                args.append(f"validation_batch_size={validation.batch_size}")
            if validation.steps:
                args.append(f"validation_steps={validation.steps}")
            if isinstance(validation.freq, tuple):
                args.append(f"validation_freq={list(validation.freq)}")
            elif validation.freq != 1:
                args.append(f"validation_freq={validation.freq}")
        return "model.fit(" + ", ".join(args) + ")"

    # ------------------------------------------------------------ helpers

    def _validation_arrays_take_fit_batch_size(self) -> bool:
        """Validation arrays with no validation_batch_size are batched by fit's batch_size, as the plan assumes.

        A training pipeline has no batch size of its own to pass: Keras batches them by 32.
        """
        validation = self.validation
        train = self.scenario.train
        return (
            train.batch_size is not None
            and train.pipeline is None
            and isinstance(validation, ValidationSet)
            and validation.source == "arrays"
            and validation.batch_size is None
        )

    def _validation_batch_size(self) -> int:
        """A validation set's batches: its own size, else the training batch size (32 after a training pipeline)."""
        validation = self.validation
        assert isinstance(validation, ValidationSet)
        train = self.scenario.train
        if validation.batch_size:
            return validation.batch_size
        return 32 if train.pipeline is not None else train.batch_size or 32

    def _arrays(self, x: str, y: str, samples: int) -> list[str]:
        if self.images:
            return [
                f'{x} = np.arange({samples}, dtype="float32").reshape(-1, 1, 1, 1)  # {samples:,} images of 1x1 pixel',
                f'{y} = np.zeros((len({x}), 1), dtype="float32")',
            ]
        return [f"{x} = np.arange({samples}, dtype='float32').reshape(-1, 1)", f"{y} = np.zeros_like({x})"]

    def _data_lines(self, x: str, y: str, name: str, spec: DataSpec, batch: int) -> list[str]:
        if spec.source == "pydataset":
            if spec.samples is None:
                return [f"{name} = EndlessBatches(batch_size={batch})"]
            drop = ", drop_remainder=True" if spec.drop_remainder else ""
            return [*self._arrays(x, y, spec.samples), f"{name} = Batches({x}, {y}, batch_size={batch}{drop})"]
        if spec.source == "image_data_generator":
            assert spec.samples is not None, "a flow is made from arrays, which have a length"
            shuffle = "" if spec.flow_shuffle else ", shuffle=False"
            return [
                *self._arrays(x, y, spec.samples),
                f"{name} = ImageDataGenerator().flow({x}, {y}, batch_size={batch}{shuffle})",
                f'# ImageDataGenerator().flow_from_directory("{DIRECTORY}", batch_size={batch}) is the same kind of data: '
                f"ceil(files / {batch}) batches, one pass an epoch.",
            ]
        if spec.source == "dataset" and spec.pipeline is not None:
            return self._pipeline_lines(x, y, name, spec)
        if spec.samples is None:
            return self._endless_lines(name, spec, batch)
        if spec.source == "arrays":
            return self._arrays(x, y, spec.samples)
        lines = self._arrays(x, y, spec.samples)
        if spec.source == "dataset":
            chain = f"tf.data.Dataset.from_tensor_slices(({x}, {y}))"
            drop = ", drop_remainder=True" if spec.drop_remainder else ""
            if spec.repeat == "before_batch":
                chain += f".repeat().batch({batch}{drop})"
            else:
                chain += f".batch({batch}{drop})" + (".repeat()" if spec.repeat == "after_batch" else "")
            return [*lines, f"{name} = {chain}"]
        return lines + _generator_lines(x, y, name, spec, batch)

    def _endless_lines(self, name: str, spec: DataSpec, batch: int) -> list[str]:
        return [
            "def endless_stream():",
            "    while True:  # a sensor, a crawler...: no length",
            f'        yield np.random.rand({batch}, {self.shape}).astype("float32"), np.zeros(({batch}, 1), dtype="float32")',
            f"{name} = endless_stream()"
            if spec.source == "generator"
            else f"{name} = tf.data.Dataset.from_generator(endless_stream, output_signature=("
            f"tf.TensorSpec((None, {self.shape})), tf.TensorSpec((None, 1))))",
        ]

    def _pipeline_lines(self, x: str, y: str, name: str, spec: DataSpec) -> list[str]:
        """The whole tf.data chain, one step a line, from the samples (or an endless counter) to what fit gets."""
        assert spec.pipeline is not None
        if spec.samples is None:
            function = f"{name}_sample"
            lines = [
                f"def {function}(position):  # x = [position], y = [0]",
                f'    return tf.reshape(tf.cast(position, "float32"), ({self.shape},)), tf.zeros((1,))',
                f"{name} = (",
                "    tf.data.Dataset.counter()  # 0, 1, 2, ... without end: a stream with no length",
                f"    .map({function})",
            ]
        else:
            lines = [*self._arrays(x, y, spec.samples), f"{name} = (", f"    tf.data.Dataset.from_tensor_slices(({x}, {y}))"]
        for step in spec.pipeline:
            lines += ["    " + line for line in _step_lines(step)]
        return [*lines, ")"]

    def _split_by_take_and_skip(self) -> bool:
        """Training and validation pipelines over the same samples, cut by take or skip: one dataset split in two."""
        train, validation = self.scenario.train, self.validation
        return (
            isinstance(validation, ValidationSet)
            and train.pipeline is not None
            and validation.pipeline is not None
            and train.samples is not None
            and train.samples == validation.samples
            and any(step.op in ("take", "skip") for step in (*train.pipeline, *validation.pipeline))
        )

    def _take_skip_split_lines(self) -> list[str]:
        """The usual split: one dataset (with the steps both sides share), then each side's own steps."""
        train, validation = self.scenario.train, self.validation
        assert isinstance(validation, ValidationSet) and train.pipeline is not None and validation.pipeline is not None
        assert train.samples is not None
        shared = 0
        while shared < min(len(train.pipeline), len(validation.pipeline)) and (
            train.pipeline[shared] == validation.pipeline[shared]
        ):
            shared += 1
        lines = [
            *self._arrays("x", "y", train.samples),
            "# One dataset, split in two by take/skip: training and validation read the same samples.",
            "dataset = (",
            "    tf.data.Dataset.from_tensor_slices((x, y))",
        ]
        for step in train.pipeline[:shared]:
            lines += ["    " + line for line in _step_lines(step)]
        lines.append(")")
        for name, steps in (("train_data", train.pipeline[shared:]), ("val_data", validation.pipeline[shared:])):
            lines += [f"{name} = (", "    dataset"]
            for step in steps:
                lines += ["    " + line for line in _step_lines(step)]
            lines.append(")")
        return lines

    def _directory_split_lines(self) -> list[str]:
        validation = self.validation
        assert isinstance(validation, ValidationSplit)
        train = self.scenario.train
        height, width = DIRECTORY_IMAGE_SIZE
        files = f"{train.samples:,} image files" if train.samples is not None else "the image files"
        return [
            f"# {DIRECTORY} holds {files}, one folder per class ({DIRECTORY}cats/, {DIRECTORY}dogs/, ...).",
            "# The loader validates the LAST int(validation_split * files) files of its shuffled list.",
            "train_data, val_data = keras.utils.image_dataset_from_directory(",
            f'    "{DIRECTORY}",',
            f"    validation_split={validation.split},",
            '    subset="both",',
            f"    seed={DIRECTORY_SEED},  # one seed, one split: the two subsets never overlap",
            f"    batch_size={train.batch_size or 32},",
            f"    image_size=({height}, {width}),",
            ")",
        ]

    def _flow_split_lines(self) -> list[str]:
        validation = self.validation
        assert isinstance(validation, ValidationSplit)
        train = self.scenario.train
        assert train.samples is not None, "a flow is made from arrays, which have a length"
        batch = train.batch_size or 32
        val_flow_shuffle = train.flow_shuffle if validation.flow_shuffle is None else validation.flow_shuffle
        train_shuffle = "" if train.flow_shuffle else ", shuffle=False"
        val_shuffle = "" if val_flow_shuffle else ", shuffle=False"
        return [
            *self._arrays("x", "y", train.samples),
            "# The generator validates the FIRST int(validation_split * samples) samples.",
            f"images = ImageDataGenerator(validation_split={validation.split})",
            f'train_data = images.flow(x, y, batch_size={batch}{train_shuffle}, subset="training")',
            f'val_data = images.flow(x, y, batch_size={batch}{val_shuffle}, subset="validation")',
        ]

    def _batches_class(self, drop: bool) -> list[str]:
        legacy = self.scenario.keras == "2"
        arguments = "x, y, batch_size" + (", drop_remainder=False" if drop else "") + ("" if legacy else ", **kwargs")
        length = (
            [
                "        if self.drop_remainder:",
                "            return len(self.x) // self.batch_size  # the short last batch is never asked for",
                "        return math.ceil(len(self.x) / self.batch_size)",
            ]
            if drop
            else ["        return math.ceil(len(self.x) / self.batch_size)"]
        )
        return [
            f"class Batches({self._batches_base()}):",
            '    """Batch i holds samples [i * batch_size, (i + 1) * batch_size): the last one may be short."""',
            "",
            f"    def __init__(self, {arguments}):",
            *(
                []
                if legacy
                else ["        super().__init__(**kwargs)  # workers, use_multiprocessing, max_queue_size go here, not to fit"]
            ),
            "        self.x, self.y, self.batch_size = x, y, batch_size",
            *(["        self.drop_remainder = drop_remainder"] if drop else []),
            "",
            "    def __len__(self):",
            *length,
            "",
            "    def __getitem__(self, index):",
            "        start = index * self.batch_size",
            "        stop = min(start + self.batch_size, len(self.x))",
            "        return self.x[start:stop], self.y[start:stop]",
            "",
            "",
        ]

    def _endless_batches_class(self) -> list[str]:
        if self.scenario.keras == "2":
            header = [
                "class EndlessBatches(keras.utils.Sequence):",
                '    """Batches without end (a sensor, a crawler...): no __len__."""',
                "    # tf.keras 2 asks every Sequence for its len(): without one, fit fails (Keras 3 takes num_batches = None).",
                "",
                "    def __init__(self, batch_size):",
                "        self.batch_size = batch_size",
            ]
        else:
            header = [
                "class EndlessBatches(keras.utils.PyDataset):",
                '    """Batches without end (a sensor, a crawler...): num_batches is None."""',
                "",
                "    def __init__(self, batch_size, **kwargs):",
                "        super().__init__(**kwargs)",
                "        self.batch_size = batch_size",
                "",
                "    @property",
                "    def num_batches(self):",
                "        return None  # no length: only steps_per_epoch ends an epoch",
            ]
        return [
            *header,
            "",
            "    def __getitem__(self, index):",
            f'        x = np.random.rand(self.batch_size, {self.shape}).astype("float32")',
            '        return x, np.zeros((self.batch_size, 1), dtype="float32")',
            "",
            "",
        ]

    def _batches_base(self) -> str:
        """tf.keras 2 has no PyDataset: its Sequence is the class Keras 3 renamed."""
        return "keras.utils.Sequence" if self.scenario.keras == "2" else "keras.utils.PyDataset"


def _step_lines(step: PipelineStep) -> list[str]:
    """One tf.data step as the call a student writes (filter takes three: enumerate, filter, map)."""
    op = step.op
    if op in ("batch", "rebatch"):
        drop = ", drop_remainder=True" if step.drop_remainder else ""
        return [f".{op}({step.size}{drop})"]
    if op == "repeat":
        return [".repeat()  # forever" if step.count is None else f".repeat({step.count})"]
    if op in ("take", "skip"):
        return [f".{op}({step.count})"]
    if op == "shard":
        return [f".shard(num_shards={step.num_shards}, index={step.index})"]
    if op == "filter":
        return [
            f".enumerate()  # keeps {_every(step.keep_every or 1)}; tf.data no longer knows the length",
            f".filter(lambda position, element: position % {step.keep_every} == 0)",
            ".map(lambda position, element: element)",
        ]
    if op == "unbatch":
        return [".unbatch()"]
    if op == "shuffle":
        again = "" if step.reshuffle_each_iteration else ", reshuffle_each_iteration=False"
        return [f".shuffle({step.buffer_size}{again})"]
    if op == "assert_cardinality":
        return [f".apply(tf.data.experimental.assert_cardinality({step.count}))"]
    if op == "cache":
        return [".cache()"]
    if op == "prefetch":
        return [".prefetch(tf.data.AUTOTUNE)"]
    if op == "map":
        return [".map(lambda x, y: (x, y))  # your preprocessing: it changes no batch"]
    raise ValueError(f"no code for the pipeline step {op!r}")


def _every(keep_every: int) -> str:
    return "every element" if keep_every == 1 else f"every {ordinal(keep_every)} element"


def _generator_lines(x: str, y: str, name: str, spec: DataSpec, batch: int) -> list[str]:
    function = f"{name}_batches"
    if spec.repeat == "before_batch":
        body = [
            "    position = 0",
            "    while True:  # cycles the samples into full batches",
            f"        index = np.arange(position, position + {batch}) % len({x})",
            f"        yield {x}[index], {y}[index]",
            f"        position = (position + {batch}) % len({x})",
        ]
    else:
        skip = (
            f"        if stop - start < {batch}:\n            break  # drop the short last batch\n" if spec.drop_remainder else ""
        )
        loop = [f"    for start in range(0, len({x}), {batch}):", f"        stop = min(start + {batch}, len({x}))"]
        inner = [*skip.rstrip("\n").split("\n")] if skip else []
        yields = [f"        yield {x}[start:stop], {y}[start:stop]"]
        body = loop + inner + yields
        if spec.repeat == "after_batch":
            body = ["    while True:  # loops over its batches forever"] + ["    " + line for line in body]
    return [f"def {function}():", *body, f"{name} = {function}()"]
