#!/usr/bin/env bash
# `make run`: Buurtlijn on embedded defaults: SQLite, an embedded Redis, the sandbox
# carrier on :5050, demo data, web on :5000 and one worker. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=ivr
export TWILIO_API_URL="${TWILIO_API_URL:-http://127.0.0.1:5050}"
export CARRIER_CPS="${CARRIER_CPS:-10}"

flask db upgrade
flask demo load
if [ -z "${REDIS_URL:-}" ]; then
  flask redis start
  trap 'flask redis stop' EXIT
fi

cat <<MSG

  Buurtlijn is starting:
    web app + webhooks     http://127.0.0.1:5000   (sign in: see below)
    sandbox carrier        http://127.0.0.1:5050   (calls: http://127.0.0.1:5050/sandbox/calls)
    mailbox                http://127.0.0.1:8026   (every e-mail the app sends)
    caller ID              ${CALLER_ID:-+32477777755}
    recording line         ${RECORDING_LINE:-+3238080808}   officer 4711, PIN 246810

  Web users (password buurtlijn-demo):
    centrum@demo.example (coordinator, BIN 11)   heide@demo.example (coordinator, BIN 12)
    dispatcher@demo.example, admin@demo.example  (police; code: flask demo code EMAIL)

  Call the caller ID back from another terminal:
    .venv/bin/python -m sandbox call ${CALLER_ID:-+32477777755} --from +32470000001

MSG
exec_status=0
honcho -f Procfile.dev start || exec_status=$?
exit $exec_status
