// C headers only: GDAL's C++ headers break the Clang module.
#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <cpl_error.h>

/* VSIStatBufL is `struct stat64`, which Swift cannot import (and which the module's headers only
   declare with _LARGEFILE64_SOURCE): stat here instead. On 64-bit glibc `struct stat` and
   `struct stat64` have one layout. Returns VSIStatExL's result; fills folder-ness and size. */
#include <sys/stat.h>
_Static_assert(sizeof(void *) == 8, "struct stat stands for struct stat64 on 64-bit glibc only");
static inline int geopairs_vsi_stat(const char *path, int flags, int *is_directory, long long *size) {
    struct stat buffer;
    int result = VSIStatExL(path, (VSIStatBufL *)&buffer, flags);
    if (result == 0) {
        *is_directory = VSI_ISDIR(buffer.st_mode) ? 1 : 0;
        *size = (long long)buffer.st_size;
    }
    return result;
}
