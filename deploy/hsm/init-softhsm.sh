#!/usr/bin/env bash
# Creates a SoftHSM2 token for octo-sts, writes the SunPKCS11 configuration that selects it, imports the
# GitHub App's PEM key and generates the ledger key inside the token.
#
#   SOFTHSM2_CONF=/etc/octo-sts/softhsm2.conf PKCS11_PIN_FILE=/etc/octo-sts/pkcs11.pin \
#   SO_PIN_FILE=/etc/octo-sts/so.pin deploy/hsm/init-softhsm.sh app-private-key.pem /etc/octo-sts/pkcs11.cfg
#
# Arguments: the App's PEM file (delete it afterwards), where to write the SunPKCS11 configuration.
# Environment: SOFTHSM2_CONF, PKCS11_PIN_FILE and SO_PIN_FILE (files holding the user and SO PINs),
# TOKEN_LABEL (default octo-sts), OCTO_STS (default: the launcher target/octo-sts, which runs the jar with
# JAVA_HOME's java, or with a JDK 21 or newer it finds when JAVA_HOME is not set).
set -euo pipefail

pem="${1:?usage: init-softhsm.sh APP_PEM PKCS11_CFG}"
config="${2:?usage: init-softhsm.sh APP_PEM PKCS11_CFG}"
label="${TOKEN_LABEL:-octo-sts}"
: "${SOFTHSM2_CONF:?set SOFTHSM2_CONF (see deploy/hsm/softhsm2.conf)}"
: "${PKCS11_PIN_FILE:?set PKCS11_PIN_FILE to a file holding the user PIN}"
: "${SO_PIN_FILE:?set SO_PIN_FILE to a file holding the security officer PIN}"
octo_sts="${OCTO_STS:-$(cd "$(dirname "$0")/../.." && pwd)/target/octo-sts}"
export SOFTHSM2_CONF PKCS11_PIN_FILE

module=""
for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib64/pkcs11/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
  if [ -r "$candidate" ]; then module="$candidate"; break; fi
done
[ -n "$module" ] || { echo "no libsofthsm2.so found: apt-get install -y softhsm2" >&2; exit 1; }

tokendir="$(sed -n 's/^ *directories.tokendir *= *//p' "$SOFTHSM2_CONF")"
mkdir -p "$tokendir"

# PINs are passed on the command line of softhsm2-util only; they never reach a log.
softhsm2-util --init-token --free --label "$label" \
  --so-pin "$(cat "$SO_PIN_FILE")" --pin "$(cat "$PKCS11_PIN_FILE")" >/dev/null

# SunPKCS11 selects a token by slot id or slot list position only, not by label. SoftHSM derives the
# slot id from the token's random serial number, so look it up by label now; it stays the same until
# the token is deleted (re-initialising it in place with --init-token --token LABEL keeps it).
slot="$(softhsm2-util --show-slots | awk -v label="$label" '
  /^Slot [0-9]+$/ { slot = $2 }
  $1 == "Label:" && $2 == label { print slot; exit }')"
[ -n "$slot" ] || { echo "SoftHSM lists no token labelled $label" >&2; exit 1; }

cat > "$config" <<CFG
# SunPKCS11 configuration for octo-sts (PKCS11_CONFIG). Token "$label".
name = octo-sts
library = $module
slot = $slot
# Keys stored through Java (import, generate) are sensitive and can never leave the token.
attributes(*, CKO_PRIVATE_KEY, *) = {
  CKA_SENSITIVE = true
  CKA_EXTRACTABLE = false
}
CFG
echo "wrote $config (token $label in slot $slot)"

export PKCS11_CONFIG="$config"
$octo_sts keys import --alias github-app --pem "$pem"
$octo_sts keys generate --alias ledger --type ec > ledger-public.pem.out
sed -n '/-----BEGIN PUBLIC KEY-----/,/-----END PUBLIC KEY-----/p' ledger-public.pem.out > ledger-public.pem
rm -f ledger-public.pem.out
echo "ledger public key (for audit verify --public-key): ledger-public.pem"
echo "now delete $pem, and run octo-sts with PKCS11_CONFIG=$config PKCS11_PIN_FILE=$PKCS11_PIN_FILE"
echo "GITHUB_APP_KEY_ALIAS=github-app LEDGER_KEY_ALIAS=ledger SOFTHSM2_CONF=$SOFTHSM2_CONF"
