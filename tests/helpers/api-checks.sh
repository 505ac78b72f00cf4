# tests/helpers/api-checks.sh: sourced after tests/helpers/api-lib.sh by
# the tests of the fleet's routes: the failures every route answers
# alike, each as its error document. $J is the JSON content type.
J="Content-Type: application/json"
head -c 40000 /dev/zero | tr '\0' ' ' >"$T/big"

# api_denied METHOD PATH [LOW]: 401 without credentials, 403 for the
# role LOW (an Authorization header) below the route's.
api_denied() {
	api_call 401 "$1" "$2" -H "$J" -d '{}'
	api_err unauthorized
	if [ -n "${3:-}" ]; then
		api_call 403 "$1" "$2" -H "$3" -H "$J" -d '{}'
		api_err forbidden
	fi
}

# api_bad_bodies METHOD PATH AUTH: 400 for bad JSON and for a body that
# is not an object, 415 for another type, 413 for 40000 bytes.
api_bad_bodies() {
	api_call 400 "$1" "$2" -H "$3" -H "$J" -d '{"a": '
	api_err bad_request
	api_call 400 "$1" "$2" -H "$3" -H "$J" -d '[1]'
	api_call 415 "$1" "$2" -H "$3" -H 'Content-Type: text/plain' -d '{}'
	api_err unsupported_media_type
	api_call 415 "$1" "$2" -H "$3" -d '{}'
	api_call 413 "$1" "$2" -H "$3" -H "$J" --data-binary @"$T/big"
	api_err payload_too_large
}
