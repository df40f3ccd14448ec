FROM condaforge/miniforge3:latest
LABEL io.github.snakemake.containerized="true"
LABEL io.github.snakemake.conda_env_hash="2d993c481c4dfb1ba88e051c110ba55c4c1d963f37429ace0f4d17a78271c67c"
# Conda environment:
#   source: envs/plotting.yaml
#   prefix: /conda-envs/56407d61d98fb819781c853fcae354b9
#   # Figure rules. Exactly the third-party packages these rules import, pinned (conda-forge's
#   # matplotlib-base: matplotlib without a GUI toolkit); the hotstars library is not installed here:
#   # every job finds it in the workflow's src/ (PYTHONPATH, set by the workflow).
#   # tests/test_envs.py checks both against the rules' import closures.
#   name: hotstars-plotting
#   channels:
#     - conda-forge
#     - nodefaults
#   dependencies:
#     - python=3.11.7
#     - numpy=2.4.6
#     - scipy=1.17.1
#     - astropy=8.0.2
#     - pandas=3.1.1
#     - pyarrow=26.0.1
#     - matplotlib-base=3.11.2
RUN mkdir -p /conda-envs/56407d61d98fb819781c853fcae354b9
COPY envs/plotting.yaml /conda-envs/56407d61d98fb819781c853fcae354b9/environment.yaml
# Conda environment:
#   source: envs/science.yaml
#   prefix: /conda-envs/82fc2b749252a122c72802f1ad0b5d8c
#   # Science rules (mock survey, isochrone grid, sample, velocities, kinematics, maps, ages,
#   # comparisons, numbers). Exactly the third-party packages these rules import, pinned; the hotstars
#   # library is not installed here: every job finds it in the workflow's src/ (PYTHONPATH, set by
#   # the workflow). tests/test_envs.py checks both against the rules' import closures.
#   name: hotstars-science
#   channels:
#     - conda-forge
#     - nodefaults
#   dependencies:
#     - python=3.11.7
#     - pip=24.3.1
#     - numpy=2.4.6
#     - scipy=1.17.1
#     - astropy=8.0.2
#     - pandas=3.1.1
#     - pyarrow=26.0.1
#     - h5py=3.16.0
#     - pip:
#         - lachesis-grids==0.0.9
RUN mkdir -p /conda-envs/82fc2b749252a122c72802f1ad0b5d8c
COPY envs/science.yaml /conda-envs/82fc2b749252a122c72802f1ad0b5d8c/environment.yaml

RUN conda env create --prefix /conda-envs/56407d61d98fb819781c853fcae354b9 --file /conda-envs/56407d61d98fb819781c853fcae354b9/environment.yaml && \
    conda env create --prefix /conda-envs/82fc2b749252a122c72802f1ad0b5d8c --file /conda-envs/82fc2b749252a122c72802f1ad0b5d8c/environment.yaml && \
    conda clean --all -y
