"""Runtimes that turn word-piece ids into the model's token vectors.

Every backend runs the same bundled model. ``torch`` reads it as it ships; the
ONNX Runtime and OpenVINO backends run a file exported from it on first use,
offline, into a cache folder (a few seconds; OpenVINO int8 about a minute), and
reuse it after. Each runtime is a callable ``(ids, mask, threads) -> token
vectors`` (batch x tokens x dimension, float32), so pooling, sentence spans and
batching are the same code for all of them; ``threads`` lets ingest use every
core while a question uses fewer.

| backend | runtime | weights | extra packages |
| --- | --- | --- | --- |
| ``torch`` | PyTorch | fp32 as shipped | none |
| ``onnx`` | ONNX Runtime, fused graph | fp32 | ``onnx`` (export only) |
| ``onnx-int8`` (default) | ONNX Runtime, fused graph | int8 per channel, dynamic activations | ``onnx`` (export only) |
| ``openvino`` | OpenVINO | fp32 | ``openvino`` |
| ``openvino-int8`` | OpenVINO | int8, static, calibrated on fixed texts | ``openvino``, ``nncf`` |

The default is ``onnx-int8``: 2.3x the LangChain pipeline's ingest rate in one run, with the same retrieval
quality (docs/benchmarks.md, "Embedding speed (issue 17)"); ``onnx`` and ``onnxruntime`` are in the
base install, OpenVINO is the ``openvino`` extra.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.core.settings import EMBEDDING_BACKENDS, SettingsError

Runtime = Callable[[np.ndarray, np.ndarray, int], np.ndarray]

#: Bump when an export recipe changes, so old cached exports are not reused.
RECIPE = "1"
#: Which optional extra each backend needs, and what to import to check it is there.
_EXTRA = {
    "onnx": ("onnx", ("onnx", "onnxruntime")),
    "onnx-int8": ("onnx", ("onnx", "onnxruntime")),
    "openvino": ("openvino", ("openvino",)),
    "openvino-int8": ("openvino", ("openvino", "nncf")),
}
_CALIBRATION = Path(__file__).with_name("data") / "calibration.txt"


class BackendUnavailable(SettingsError):
    """The chosen backend needs an optional extra that is not installed."""


def require(backend: str) -> None:
    """Raise BackendUnavailable, naming the install line, when ``backend`` cannot run here."""
    if backend not in EMBEDDING_BACKENDS:
        raise SettingsError(f"CLINIC_EMBEDDING_BACKEND={backend!r}: choose one of {', '.join(EMBEDDING_BACKENDS)}")
    if backend not in _EXTRA:
        return
    extra, modules = _EXTRA[backend]
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise BackendUnavailable(
            f"CLINIC_EMBEDDING_BACKEND={backend} needs {', '.join(missing)}: install the extra with "
            f'`pip install -e ".[{extra}]"`, or set CLINIC_EMBEDDING_BACKEND=torch'
        )


def load_runtime(backend: str, model_path: Path, cache_dir: Path) -> Runtime:
    """The runtime for ``backend``, exporting the model first if this is its first use."""
    require(backend)
    if backend == "torch":
        return _torch_runtime(model_path)
    path = export(backend, model_path, cache_dir)
    return _per_thread_count(_onnx_session if backend.startswith("onnx") else _openvino_model_runner, path)


def _per_thread_count(make: Callable[[Path, int], Callable], path: Path) -> Runtime:
    """ONNX Runtime and OpenVINO fix their thread pool when a model is loaded: keep one per count
    (two at most: ingest and questions), made on first use."""
    import threading

    runners: dict[int, Callable] = {}
    lock = threading.Lock()

    def run(ids: np.ndarray, mask: np.ndarray, threads: int) -> np.ndarray:
        runner = runners.get(threads)
        if runner is None:
            with lock:
                runner = runners.get(threads) or runners.setdefault(threads, make(path, threads))
        return runner(ids, mask)

    return run


# ----------------------------------------------------------------------------- runtimes


def _torch_runtime(model_path: Path) -> Runtime:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    def run(ids: np.ndarray, mask: np.ndarray, threads: int) -> np.ndarray:
        if threads and torch.get_num_threads() != threads:
            # torch's pool is process-wide; its default takes every core, and a clinic PC runs other programs
            torch.set_num_threads(threads)
        with torch.inference_mode():
            t_ids = torch.from_numpy(ids)
            out = model(input_ids=t_ids, attention_mask=torch.from_numpy(mask), token_type_ids=torch.zeros_like(t_ids))
        return out.last_hidden_state.float().numpy()

    return run


def _onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, {k: v for k, v in feed.items() if k in names})[0]

    return run


def _openvino_model_runner(path: Path, threads: int):
    import openvino as ov

    config = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    compiled = ov.Core().compile_model(str(path), "CPU", config)
    names = {i.get_any_name() for i in compiled.inputs}
    output = compiled.outputs[0]

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        request = compiled.create_infer_request()  # one per call: requests are not thread-safe
        return request.infer({k: v for k, v in feed.items() if k in names})[output].copy()

    return run


# ----------------------------------------------------------------------------- exports


def export(backend: str, model_path: Path, cache_dir: Path) -> Path:
    """The exported model file for ``backend``, made once per model, recipe and library version."""
    import filelock

    target = Path(cache_dir) / f"{backend}-{fingerprint(backend, model_path)}"
    name = "model.onnx" if backend.startswith("onnx") else "model.xml"
    if (target / name).is_file():
        return target / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(target) + ".lock"):
        if (target / name).is_file():
            return target / name
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        try:
            _EXPORTERS[backend](Path(model_path), work / name)
            (work / "export.json").write_text(json.dumps({"backend": backend, "model": str(model_path), "recipe": RECIPE}))
            os.replace(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target / name


def fingerprint(backend: str, model_path: Path) -> str:
    """Changes when the model files, the export recipe or the libraries that export it change."""
    import importlib.metadata as md

    parts = [backend, RECIPE]
    for path in sorted(Path(model_path).rglob("*")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.relative_to(model_path)}:{stat.st_size}:{stat.st_mtime_ns}")
    for dist in ("torch", "transformers", "onnx", "onnxruntime", "openvino", "nncf"):
        try:
            parts.append(f"{dist}={md.version(dist)}")
        except md.PackageNotFoundError:
            pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _traceable(model_path: Path):
    """The model as a module of (input_ids, attention_mask, token_type_ids) -> token vectors."""
    import torch
    from transformers import AutoModel

    # eager attention traces to plain operators that the exporters and fusers recognise
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    return TokenVectors(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), model.config


def _export_onnx(model_path: Path, out: Path) -> None:
    """fp32 ONNX with ONNX Runtime's transformer fusions (attention, GELU, layer norms)."""
    import warnings

    import torch
    from onnxruntime.transformers.optimizer import optimize_model

    module, example, config = _traceable(model_path)
    raw = out.with_name("raw.onnx")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, example, str(raw), input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"], opset_version=17, dynamo=False,
            dynamic_axes={n: axes for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
        )
    optimized = optimize_model(
        str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size, opt_level=1
    )
    optimized.save_model_to_file(str(out))
    raw.unlink()


def _export_onnx_int8(model_path: Path, out: Path) -> None:
    """The fused fp32 graph with int8 weights (one scale per output channel) and int8 activations
    quantised on the fly. Per-channel scales matter: per-tensor ones moved vectors to cosine 0.92."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = out.with_name("fp32.onnx")
    _export_onnx(model_path, fp32)
    quantize_dynamic(
        str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    fp32.unlink()


def _openvino_model(model_path: Path):
    import warnings

    import openvino as ov

    module, example, _ = _traceable(model_path)
    names = ("input_ids", "attention_mask", "token_type_ids")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks that hold for every input
        return ov.convert_model(
            module, example_input=dict(zip(names, example)), input=[(n, [-1, -1], ov.Type.i64) for n in names]
        )


def _export_openvino(model_path: Path, out: Path) -> None:
    import openvino as ov

    ov.save_model(_openvino_model(model_path), str(out), compress_to_fp16=False)


def _export_openvino_int8(model_path: Path, out: Path) -> None:
    """Static int8 (weights and activations) with NNCF, calibrated on fixed texts shipped here."""
    import nncf
    import openvino as ov
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    samples = []
    for line in _CALIBRATION.read_text(encoding="utf-8").splitlines():
        if line.strip():
            ids = np.array([tokenizer.encode(line).ids], dtype=np.int64)
            samples.append({"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)})
    quantized = nncf.quantize(
        _openvino_model(model_path), nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples)
    )
    ov.save_model(quantized, str(out), compress_to_fp16=False)


_EXPORTERS = {
    "onnx": _export_onnx,
    "onnx-int8": _export_onnx_int8,
    "openvino": _export_openvino,
    "openvino-int8": _export_openvino_int8,
}
