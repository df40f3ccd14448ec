"""Rule summary: the paper's numbers beside ours (results/<run>/summary.json)."""

import json

import pandas as pd

from hotstars import maps, selection, summary
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    numbers = {}
    kinematics = tables.read_table(sm.input.kinematics)
    flags_vphi = tables.read_table(sm.input.flags_vphi)
    vr_map = tables.read_table(sm.input.vr_map)
    vr_meta = tables.read_meta(sm.input.vr_map)
    z_max = vr_meta.get("z_max_kpc")  # the maps' |z| cut
    labels = (str(sm.input.kinematics), str(sm.input.flags_vphi))
    if "cutflow" in sm.input.keys():  # the sample stage is absent when starting from the VAC
        flags = tables.read_table(sm.input.flags)
        classes = selection.teff_class_counts(flags, sm.params.teff_classes)
        numbers.update(summary.sample_numbers(pd.read_csv(sm.input.cutflow), classes,
                                              tables.read_table(sm.input.hss)))
        numbers.update(summary.rv_numbers(tables.read_table(sm.input.vlos)))
        ages = tables.read_table(sm.input.ages)
        # Fig. 11's stars: the age-map selection (build_age_maps), with the |z| cut of the maps
        map_stars = maps.select_age_map_stars(ages, kinematics, flags_vphi, z_max,
                                              labels=(str(sm.input.ages), *labels))
        numbers.update(summary.age_numbers(ages, sm.params.young_max_myr, sm.params.old_min_myr,
                                           map_stars))
    numbers.update(summary.kinematics_numbers(kinematics, flags_vphi))
    numbers.update(summary.map_numbers(vr_map))
    field_stars = maps.select_map_stars(kinematics, flags_vphi, z_max, labels=labels)
    numbers.update(summary.field_numbers(
        tables.read_table(sm.input.vr_field), tables.read_meta(sm.input.vr_field), field_stars,
        vr_map, float(vr_meta["spaxel_pc"]) / 1000.0))
    clusters = {name.removeprefix("clusters_"): tables.read_table(path)
                for name, path in sm.input.items() if name.startswith("clusters_")}
    numbers.update(summary.cluster_numbers(clusters))
    skipped = {}  # optional comparisons not made (empty inputs): their reason goes along
    for name, path in sm.input.items():  # stages that write their own numbers (JSON)
        if name.startswith("numbers_"):
            with open(path) as f:
                stage = json.load(f)
            numbers.update(summary.numbers_from_json(stage))
            skipped.update(summary.skipped_from_json(stage))
    skipped.update(sm.params.parts_not_made)  # optional parts without their inputs
    for section, info in sorted(skipped.items()):
        where = (f" (input {info['input']}, column {info.get('column')})" if info.get("input")
                 else "")
        log.warning("%s: not made (%s): %s%s", section, info.get("product", ""), info["reason"],
                    where)
    tables.write_json(summary.assemble(numbers, sm.params.source, skipped), sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
