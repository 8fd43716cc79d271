"""Small data files shipped with leo-envs (each with its provenance in its header).

Read them with ``importlib.resources.files("leo_envs.data")``; nothing here is downloaded at
run time.
"""
