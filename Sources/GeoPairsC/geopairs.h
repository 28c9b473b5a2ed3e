/*
 * geopairs.h: the C interface of libGeoPairsC, GeoPairs' loader and reader for other languages
 * (the Python package `geopairs` binds it with ctypes).
 *
 * Conventions
 *  - Every handle is opaque. Functions that can fail return a status: GP_OK (0), GP_END (1, the end
 *    of an epoch) or GP_ABSENT (2, no such frame), or a negative GP_ERROR_*; then gp_last_error()
 *    gives the message for the calling thread.
 *  - Strings going in are UTF-8 and NUL-terminated. Strings a function hands out through a
 *    `char **` belong to the caller, who frees them with gp_free_string(). Strings returned as
 *    `const char *` belong to the handle they came from.
 *  - Configurations and states are JSON text (keys in snake_case; see README "From PyTorch").
 *  - A loader is driven by one thread at a time; its workers decode on their own threads meanwhile.
 *    Batches may be released from any thread. Different handles are independent.
 *  - Nothing here throws or aborts on bad input, and no Swift type crosses this interface.
 */
#ifndef GEOPAIRS_H
#define GEOPAIRS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GP_OK 0
#define GP_END 1
#define GP_ABSENT 2
/* A null pointer, malformed JSON, an unknown or invalid option, or a state that does not fit. */
#define GP_ERROR_ARGUMENT (-1)
/* The dataset could not be opened: missing, unreadable, damaged, or without the split or sensors asked for. */
#define GP_ERROR_OPEN (-2)
/* Reading failed after opening: a corrupt record (policy "fail") or storage that stays unreachable. */
#define GP_ERROR_READ (-3)

typedef struct gp_loader gp_loader;
typedef struct gp_batch gp_batch;
typedef struct gp_dataset gp_dataset;

/* The message of the last failure on this thread ("" if none); valid until the next failing call here. */
const char *gp_last_error(void);
/* Frees a string handed out through a `char **`; NULL is ignored. */
void gp_free_string(char *string);
/* GeoPairs' version, e.g. "0.1.0" (static storage). */
const char *gp_version(void);

/* ---- Loader: batches of Float32 tensors, shuffled, partitioned by rank, resumable ---- */

/* Opens a loader. `config_json` is an object with "dataset" and "sensors" required; see the README
 * for every key. On success *loader is a new handle for gp_loader_close. */
int gp_loader_open(const char *config_json, gp_loader **loader);
/* {"records": N, "batches_per_epoch": n, "sensors": [...], "batch_size": b} for the current epoch. */
int gp_loader_info(gp_loader *loader, char **info_json);
/* Moves to `epoch` (>= 0); its first batch is next unless the loader is already in that epoch. */
int gp_loader_set_epoch(gp_loader *loader, int64_t epoch);
/* The next batch of the current epoch: GP_OK with *batch set (release it with gp_batch_release),
 * GP_END at the end of the epoch (*batch = NULL), or an error. Blocks while the batch is decoded. */
int gp_loader_next(gp_loader *loader, gp_batch **batch);
/* The position as JSON {"seed": s, "epoch": e, "position": p}: batches delivered in epoch e. */
int gp_loader_state(gp_loader *loader, char **state_json);
/* Continues from a saved state (same configuration and seed): the next batch is the one an
 * uninterrupted run would have delivered next. */
int gp_loader_restore(gp_loader *loader, const char *state_json);
/* Stops the workers, waits for them and frees the handle. Batches still held stay valid. NULL is ignored. */
void gp_loader_close(gp_loader *loader);

/* ---- Batch: valid until gp_batch_release, whatever the loader does meanwhile ---- */

int64_t gp_batch_index(const gp_batch *batch);
int64_t gp_batch_epoch(const gp_batch *batch);
/* Samples in the batch (B). */
int64_t gp_batch_size(const gp_batch *batch);
/* Sensors in the batch, in the configuration's order. */
int64_t gp_batch_sensor_count(const gp_batch *batch);
/* Sensor `position`'s name, shape [B, C, H, W], values (B*C*H*W Float32, C order) and validity mask
 * (B*H*W bytes, 1 = valid). Any output pointer may be NULL. */
int gp_batch_sensor(const gp_batch *batch, int64_t position, const char **name, int64_t shape[4],
                    const float **values, const uint8_t **mask);
/* Sample `i`'s record key. NULL when i is out of range. */
const char *gp_batch_key(const gp_batch *batch, int64_t i);
/* B flags: 1 where the sample is padding (a wrap-around repeat or a skipped corrupt record). */
const uint8_t *gp_batch_padding(const gp_batch *batch);
/* Per-sample metadata as JSON {"geotransforms": {sensor: [[6 numbers] per sample]}, "attributes":
 * [{...} per sample]}; empty unless the configuration asked for "metadata" / "attributes"; a
 * skipped corrupt record's geotransform is an empty list. */
int gp_batch_metadata(const gp_batch *batch, char **metadata_json);
/* Gives the batch's memory back to the loader's pool. NULL is ignored. */
void gp_batch_release(gp_batch *batch);

/* ---- Dataset: the index, record metadata and raw arrays, by key ---- */

/* Opens a dataset: `options_json` is {"dataset": path or URL} plus optionally "cache",
 * "cache_size" and "remote_timeout" for a dataset in a bucket. */
int gp_dataset_open(const char *options_json, gp_dataset **dataset);
/* dataset.json as read (schema, splits, statistics, shards). */
int gp_dataset_index(gp_dataset *dataset, char **index_json);
/* The keys of a split's records (all records when split is NULL), as a JSON array in shard order. */
int gp_dataset_keys(gp_dataset *dataset, const char *split, char **keys_json);
/* A record's metadata as JSON: key, split, cell, attributes, and per sensor its dtype, shape,
 * geotransform, CRS, acquisition time and sources. */
int gp_dataset_record(gp_dataset *dataset, const char *key, char **record_json);
/* Copies one sensor's stored array (mask = 0: C*H*W values of its dtype, little-endian) or mask
 * (mask = 1: H*W bytes) into `destination` of `capacity` bytes; *written gets the byte count.
 * GP_ABSENT when the record has no such frame; GP_ERROR_ARGUMENT when capacity is too small. */
int gp_dataset_read(gp_dataset *dataset, const char *key, const char *sensor, int mask,
                    void *destination, int64_t capacity, int64_t *written);
/* Frees the handle. NULL is ignored. */
void gp_dataset_close(gp_dataset *dataset);

#ifdef __cplusplus
}
#endif

#endif /* GEOPAIRS_H */
