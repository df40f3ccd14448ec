FROM condaforge/miniforge3:latest
LABEL io.github.snakemake.containerized="true"
LABEL io.github.snakemake.conda_env_hash="133781882ac06c6aa52a90fe834ea8ce374c87453f10be7d1da32e3a55c34bc7"
# Conda environment:
#   source: envs/plotting.yaml
#   prefix: /conda-envs/526bc8faaf7270316998f5729d6c96f7
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
#     - pyyaml=6.0.4
#     - matplotlib-base=3.11.2
RUN mkdir -p /conda-envs/526bc8faaf7270316998f5729d6c96f7
COPY envs/plotting.yaml /conda-envs/526bc8faaf7270316998f5729d6c96f7/environment.yaml
# Conda environment:
#   source: envs/science.yaml
#   prefix: /conda-envs/b79b44354430ee9b8f759bb48fbd85ac
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
#     - pyyaml=6.0.4
#     - h5py=3.16.0
#     - pip:
#         - lachesis-grids==0.0.9
RUN mkdir -p /conda-envs/b79b44354430ee9b8f759bb48fbd85ac
COPY envs/science.yaml /conda-envs/b79b44354430ee9b8f759bb48fbd85ac/environment.yaml

RUN conda env create --prefix /conda-envs/526bc8faaf7270316998f5729d6c96f7 --file /conda-envs/526bc8faaf7270316998f5729d6c96f7/environment.yaml && \
    conda env create --prefix /conda-envs/b79b44354430ee9b8f759bb48fbd85ac --file /conda-envs/b79b44354430ee9b8f759bb48fbd85ac/environment.yaml && \
    conda clean --all -y
