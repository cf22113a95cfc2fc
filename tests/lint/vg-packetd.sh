#!/bin/bash
# packetd under valgrind, for `make valgrind-e2e`: an e2e script runs this
# as $PACKETD. Any memory error or definite leak makes the command exit 99
# (the script's checks then fail) and leaves a report in $VG_LOGS.
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--log-file="${VG_LOGS:-/tmp}/vg.%p.log" "${PACKETD_REAL:?}" "$@"
