"""Rule contrast_numbers: Sec. 4.1 numbers of the density contrast and the v_R map (JSON), and of
the HSS map stars' own contrast when it is an extra (the OB target sample is the main one)."""


from hotstars import contrast
from hotstars.io import tables
from hotstars.workflow import logs


def numbers(path, vr, size_kpc: float) -> dict:
    meta = tables.read_meta(path)
    return {**contrast.summary_numbers(tables.read_table(path), vr, size_kpc),
            "n_stars": int(meta["n_stars"]), "sample": str(meta.get("sample", ""))}


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    vr, size_kpc = tables.read_table(sm.input.vr), sm.params.spaxel_pc / 1000
    out = {f"contrast.{key}": value for key, value in
           numbers(sm.input.contrast, vr, size_kpc).items()}
    if "hss" in sm.input.keys():
        out.update({f"contrast.hss_{key}": value for key, value in
                    numbers(sm.input.hss, vr, size_kpc).items()})
    log.info("%s", out)
    tables.write_json(out, sm.output.numbers)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
