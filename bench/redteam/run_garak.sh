#!/usr/bin/env bash
# Offline red-team run with garak against the assistant's Python entry point (bench/redteam/target.py).
# garak is not a project dependency: it is installed into its own virtual environment that sees the
# project's packages. Only probes whose prompts ship with garak and whose detectors are string rules
# are used, so nothing is downloaded. Reports go to ~/.local/share/garak/garak_runs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${GARAK_VENV:-/tmp/garak-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv --system-site-packages "$VENV" && "$VENV/bin/pip" install garak; }
PROBES=promptinject.HijackHateHumans,promptinject.HijackKillHumans,promptinject.HijackLongPrompt,\
encoding.InjectBase64,encoding.InjectHex,encoding.InjectROT13,dan.Dan_11_0,dan.AutoDANCached,goodside.Tag,\
latentinjection.LatentInjectionFactSnippetEiffel,phrasing.PastTense,web_injection.MarkdownImageExfil,\
web_injection.MarkdownXSS,web_injection.TaskXSS,web_injection.StringAssemblyDataExfil
HF_HUB_OFFLINE=1 PYTHONPATH=bench/redteam "$VENV/bin/python" -m garak \
  --target_type function --target_name target#respond --probes "$PROBES" --generations 1 \
  --report_prefix clinic-redteam "$@"
python bench/redteam/handwritten.py
