# Our HSS in the format of the paper's DR20 value-added catalogue (ob_vac-1.0.0.fits, 26 columns).


rule write_vac:
    """vac/ob_vac.fits: compare with the official release column by column."""
    input:
        hss=results("sample/hss.parquet"),
        vlos=results("rv/vlos.parquet"),
        kinematics=results("kinematics/kinematics.parquet"),
        ages=results("ages/ages.parquet"),
        code=imports_of("write_vac"),
    output:
        vac=results("vac/ob_vac.fits"),
    log:
        logs("write_vac.log"),
    benchmark:
        benchmarks("write_vac.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/write_vac.py"
