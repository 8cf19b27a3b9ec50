"""Fetch-time rewrites of an ONNX model, done by code so the result is reproducible and checked.

A pack file may name `transform` steps; `face_fetch` applies them to the registry member in
order and then checks the output's sha256 against the manifest, like any other file.

- `prune_unused_inputs`: drop graph inputs that no node reads (onnxruntime refuses SFace's
  int8bq export as shipped because of 29 such inputs).
- `dequantize_float32`: replace every DequantizeLinear whose inputs are all constants (block
  quantised weights) by its float32 result, once; the graph then runs plain float convolutions
  (half the latency on one core), and initializers listed as graph inputs stop being inputs so
  onnxruntime can fold them.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from facepay.face import errors

STEPS = ("prune_unused_inputs", "dequantize_float32")


def prune_unused_inputs(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    read = {name for node in graph.node for name in node.input}
    for item in [item for item in graph.input if item.name not in read]:
        graph.input.remove(item)
    return model


def _dequantize(
    quantized: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, *, axis: int, block: int
) -> np.ndarray:
    """ONNX DequantizeLinear: per-tensor, per-axis, or blocked along `axis` (opset 21)."""
    values = quantized.astype(np.float32) - 0.0
    if scale.ndim == 0 or scale.size == 1:
        return (values - zero_point.astype(np.float32).reshape(())) * scale.reshape(())
    axis = axis % quantized.ndim
    if block:
        scale = np.repeat(scale, block, axis=axis)
        zero_point = np.repeat(zero_point, block, axis=axis)
        cut = [slice(None)] * quantized.ndim
        cut[axis] = slice(0, quantized.shape[axis])
        scale, zero_point = scale[tuple(cut)], zero_point[tuple(cut)]
    else:
        shape = [1] * quantized.ndim
        shape[axis] = -1
        scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
    return ((values - zero_point.astype(np.float32)) * scale).astype(np.float32)


def dequantize_float32(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    initializers = {item.name: item for item in graph.initializer}
    replaced: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or not all(
            name in initializers for name in node.input if name
        ):
            continue
        attributes = {item.name: onnx.helper.get_attribute_value(item) for item in node.attribute}
        arrays = [numpy_helper.to_array(initializers[name]) for name in node.input if name]
        quantized, scale = arrays[0], arrays[1]
        zero_point = arrays[2] if len(arrays) > 2 else np.zeros_like(scale, dtype=np.int8)
        result = _dequantize(
            quantized,
            scale,
            zero_point,
            axis=int(attributes.get("axis", 1)),
            block=int(attributes.get("block_size", 0)),
        )
        graph.initializer.append(numpy_helper.from_array(result, name=node.output[0]))
        replaced.append(node)
    for node in replaced:
        graph.node.remove(node)
    read = {name for node in graph.node for name in node.input} | {
        item.name for item in graph.output
    }
    for item in [item for item in graph.initializer if item.name not in read]:
        graph.initializer.remove(item)
    kept = {item.name for item in graph.initializer}
    for item in [item for item in graph.input if item.name in kept]:
        graph.input.remove(item)
    return model


def apply(steps: list[str], data: bytes, *, pack: str, file: str) -> bytes:
    """Run the named steps on serialized ONNX bytes; the caller checks the output's sha256."""
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise errors.ModelPackFetchFailed(
            f"Unknown model transform {unknown[0]!r} for {file}.", pack=pack, file=file
        )
    model = onnx.load_from_string(data)
    functions = {
        "prune_unused_inputs": prune_unused_inputs,
        "dequantize_float32": dequantize_float32,
    }
    for step in steps:
        model = functions[step](model)
    return bytes(model.SerializeToString())
