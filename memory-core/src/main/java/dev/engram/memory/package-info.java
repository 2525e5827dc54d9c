/**
 * The domain values: a {@link dev.engram.memory.Memory}, whose {@link dev.engram.memory.Scope} it
 * belongs to, its {@link dev.engram.memory.Tier}, {@link dev.engram.memory.Kind} and {@link
 * dev.engram.memory.Status}, and the links between memories.
 */
package dev.engram.memory;
