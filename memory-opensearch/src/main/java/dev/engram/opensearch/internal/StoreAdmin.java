package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Operations on a whole store that need no open backend: reading its recorded model, deleting it.
 */
public final class StoreAdmin {
  private StoreAdmin() {}

  /**
   * The id of the embedding model the store {@code prefix} was built with ({@code none} for a
   * lexical-only store), or {@code null} if the cluster holds no such store. Creates nothing.
   */
  public static String recordedModel(
      List<String> urls, String user, String password, String prefix) {
    try (Cluster c = new Cluster(urls, user, password)) {
      Cluster.Reply r = c.send("GET", "/" + prefix + "-log/_doc/store", null, null);
      if (r.status() == 404) {
        return null;
      }
      if (!r.ok()) {
        throw c.failure("reading the store's metadata", r);
      }
      JsonNode model = r.body().path("_source").path("model");
      return model.isTextual() ? model.asText() : null;
    }
  }

  /** Deletes a store's indices and template, if they exist. */
  public static void deleteStore(List<String> urls, String user, String password, String prefix) {
    try (Cluster c = new Cluster(urls, user, password)) {
      for (String index :
          List.of(prefix + "-memories", prefix + "-history", prefix + "-log", prefix + "-leases")) {
        Cluster.Reply r = c.send("DELETE", "/" + index, null, null);
        if (!r.ok() && r.status() != 404) {
          throw c.failure("deleting " + index, r);
        }
      }
      c.send("DELETE", "/_index_template/" + prefix + "-memories", null, null);
    }
  }
}
