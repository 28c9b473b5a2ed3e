"""The C interface from C: geopairs.h compiled by gcc, linked to libGeoPairsC.so, nothing else."""
import shutil
import subprocess

import pytest

from conftest import REPO, RELEASE

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include "geopairs.h"

int main(int argc, char **argv) {
    char config[4096];
    snprintf(config, sizeof config, "{\"dataset\": \"%s\", \"sensors\": [\"s1\", \"s2\"], \"batch_size\": 16, \"seed\": 3}", argv[1]);
    gp_loader *loader = NULL;
    if (gp_loader_open(config, &loader) != GP_OK) { fprintf(stderr, "%s\n", gp_last_error()); return 1; }
    gp_batch *batch = NULL;
    int status, batches = 0;
    long samples = 0;
    double sum = 0;
    while ((status = gp_loader_next(loader, &batch)) == GP_OK) {
        const char *name; int64_t shape[4]; const float *values; const uint8_t *mask;
        if (gp_batch_sensor(batch, 1, &name, shape, &values, &mask) != GP_OK || strcmp(name, "s2") != 0) return 2;
        sum += values[0];
        samples += gp_batch_size(batch);
        batches++;
        gp_batch_release(batch);
    }
    if (status != GP_END) { fprintf(stderr, "%s\n", gp_last_error()); return 3; }
    char *state = NULL;
    gp_loader_state(loader, &state);
    printf("%d batches, %ld samples, state %s\n", batches, samples, state);
    gp_free_string(state);
    if (gp_loader_restore(loader, "{\"seed\": 3, \"epoch\": 0, \"position\": -1}") != GP_ERROR_ARGUMENT) return 4;
    printf("restore error: %s\n", gp_last_error());
    gp_loader_close(loader);
    if (gp_loader_open("{\"dataset\": 5}", &loader) != GP_ERROR_ARGUMENT || loader != NULL) return 5;
    printf("open error: %s\n", gp_last_error());
    if (gp_loader_next(NULL, &batch) != GP_ERROR_ARGUMENT) return 6;
    return 0;
}
"""


def test_a_c_program_drives_the_loader(tiles, tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    source = tmp_path / "main.c"
    source.write_text(PROGRAM)
    binary = tmp_path / "main"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-I", str(REPO / "Sources" / "GeoPairsC"), str(source),
                    "-L", str(RELEASE), "-lGeoPairsC", f"-Wl,-rpath,{RELEASE}", "-o", str(binary)], check=True)
    done = subprocess.run([str(binary), tiles], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == '25 batches, 400 samples, state {"epoch":0,"position":25,"seed":3}'
    assert "must be 0 or more" in lines[1]
    assert "\"dataset\"" in lines[2] and "wrong type" in lines[2]
