"""The honest benchmark (`manage.py authbench`): both doors, one machine, one run, ratios to a baseline.

Modules, in the order a run uses them:
- `variants`: what is measured (door, path, settings, how to get and revoke a credential);
- `sandbox`: the throwaway database and Redis key space a run works in;
- `transport`: one request interface over Django's test `Client` (in-process) or raw HTTP (`--http`);
- `credentials`: log in through each door, revoke, measure login cost;
- `instruments`: count DB queries and Redis commands per request;
- `measure`: timed rounds, percentiles, revocation delay;
- `algorithms`: HS256 / RS256 / ES256 / EdDSA token sizes and sign/verify cost;
- `servers`: the gunicorn processes of `--http`;
- `runner`: one run from start to report; `report`: the JSON report and the saved latest report;
- `table`: the printed tables; `charts`: the workshop page's bars (`/workshop/bench/`);
- `authentication`: the baseline door's authenticator. The reference doors (baseline, simplejwt, DRF token),
  which exist only while the benchmark runs, are wiring: mounted by `config.bench_urls`, served over `--http`
  with `config.bench_settings`.
"""
