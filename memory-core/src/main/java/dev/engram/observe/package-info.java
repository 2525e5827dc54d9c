/**
 * Observing a store from outside, for metrics and dashboards: a {@link
 * dev.engram.observe.StoreObserver} told of every add and search, and a {@link
 * dev.engram.observe.StoreProbe} for the store's size. memory-micrometer binds them to Micrometer;
 * this package depends on nothing.
 */
package dev.engram.observe;
