"""The config schema: defaults equal config/config.yaml; typos and wrong types are rejected."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


def load_config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_schema_defaults_equal_the_default_config():
    """An empty config filled by the schema is the shipped default: the two cannot drift."""
    from_schema, shipped = {}, load_config()
    validate(from_schema, SCHEMA)
    validate(shipped, SCHEMA)
    assert from_schema == shipped


@pytest.mark.parametrize("path, value", [
    (("sample", "snr_mni"), 20.0),               # typo'd key
    (("sample", "snr_min"), "20"),               # string where a number is expected
    (("frame", "v_sun_kms"), [11.1, 232.24]),    # wrong length
    (("mock", "preset"), "huge"),                # not a preset
    (("inputs", "spal"), "x.fits"),              # typo'd input
    # values outside a key's physical range
    (("sample", "snr_min"), -5.0),               # a negative S/N
    (("sample", "teff_min_k"), 90000.0),         # hotter than any star of the grid
    (("sample", "mjd_max"), 50708),              # a typo: before SDSS-V
    (("sample", "parallax_rel_error_max"), 2.0),
    (("ages", "imf_exponent"), -2.7),            # the paper's sign slip (docs/conventions.md)
    (("rv", "rxc_min"), -1.0),
])
def test_schema_rejects_bad_values(path, value):
    config = copy.deepcopy(load_config())
    node = config
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(WorkflowError) as err:
        validate(config, SCHEMA)
    assert path[-1] in str(err.value) or repr(value) in str(err.value)
