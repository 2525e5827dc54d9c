/**
 * In-process ONNX embedding models for the embedded store ({@link
 * dev.engram.embeddings.onnx.OnnxEmbedders}), and their registration as its default model.
 */
package dev.engram.embeddings.onnx;
