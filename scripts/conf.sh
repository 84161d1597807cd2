# Sourced by scripts/run.sh and scripts/demo.sh: reads a setting the way summitd does, so the
# scripts agree with the server they talk to.
#
#   conf_get KEY FILE  -> the value of KEY: the environment's SUMMITD_<KEY> when set (even
#                         empty), else `KEY = value` from FILE (quotes stripped), else nothing.
#                         (Flags win over both in summitd; these scripts pass none for KEY.)
conf_get() {
    local key=$1 file=$2 env
    env=SUMMITD_$(printf '%s' "$key" | tr '[:lower:]' '[:upper:]')
    if [ -n "${!env+x}" ]; then
        printf '%s' "${!env}"
        return
    fi
    [ -f "$file" ] || return 0
    sed -n -e 's/^[[:space:]]*'"$key"'[[:space:]]*=[[:space:]]*//p' "$file" | tail -n 1 \
        | sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/'
}
