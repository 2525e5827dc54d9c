/** The onnxruntime session behind the in-process models. */
package dev.engram.embeddings.onnx.internal;
