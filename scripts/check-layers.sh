#!/bin/sh
# check-layers.sh - keeps server/'s include graph layered.
#
#   scripts/check-layers.sh           check; prints each arrow that breaks a rule
#   scripts/check-layers.sh --graph   print net/'s include graph (file -> net header)
#
# Directories, bottom to top: protocol/ < core/ < proto/ < store/ < net/.
# A directory includes nothing of one above it (store/ including proto/ is
# allowed: it still renders; core/ includes only protocol/ below it).
#
# Inside net/, a module may include only its own header and the headers of
# modules below it in NET_ORDER, so the graph has no circle. A file belongs
# to the module named by its base name; net_module() maps the exceptions.
# And a net/ file defines public functions only under its own module's
# prefix, so no module implements what another's header declares (that
# would hide a circle from the include graph). `make test` runs this
# (target `layers`).
set -eu

cd "$(dirname "$0")/../server"

# Bottom to top.
NET_ORDER="listen bus peer conn rooms session devlogin api http server"

net_module() {
	case "$1" in
	bus_local | bus_redis) echo bus ;;
	workers) echo server ;;
	*) echo "$1" ;;
	esac
}

rank() {
	i=0
	for m in $NET_ORDER; do
		if [ "$m" = "$1" ]; then
			echo $i
			return
		fi
		i=$((i + 1))
	done
	echo -1
}

# The include target of line $2 in file $1, as a path under server/: the
# file's own directory first, then server/ itself (-Iserver).
resolve() {
	dir=$(dirname "$1")
	case "$2" in
	../*) echo "$2" | sed 's|^\.\./||' ;;
	*)
		if [ -e "$dir/$2" ]; then
			echo "$dir/$2"
		else
			echo "$2"
		fi
		;;
	esac
}

# Lines "file target" for every quoted include under server/.
edges() {
	for f in */*.c */*.h; do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
			echo "$f $(resolve "$f" "$inc")"
		done
	done
}

if [ "${1:-}" = "--graph" ]; then
	edges | awk '$1 ~ /^net\// && $2 ~ /^net\// { print $1 " -> " $2 }'
	exit 0
fi

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.out"' EXIT
: >"$tmp.out"
report() {
	echo "layers: $1" >>"$tmp.out"
}

edges | sort -u >"$tmp"
while read -r from to; do
	fdir=${from%%/*}
	tdir=${to%%/*}
	case "$fdir:$tdir" in
	protocol:core | protocol:proto | protocol:store | protocol:net)
		report "$from includes $to (protocol/ is the bottom layer)" ;;
	core:proto | core:store | core:net)
		report "$from includes $to (core/ includes only protocol/)" ;;
	proto:store | proto:net)
		report "$from includes $to (proto/ includes nothing of store/ or net/)" ;;
	store:net)
		report "$from includes $to (store/ includes nothing of net/)" ;;
	net:net)
		fb=$(basename "$from"); fb=${fb%.*}
		tb=$(basename "$to"); tb=${tb%.*}
		fm=$(net_module "$fb")
		tm=$(net_module "$tb")
		fr=$(rank "$fm")
		tr=$(rank "$tm")
		if [ "$fr" -lt 0 ]; then
			report "$from: module $fm is not in NET_ORDER (scripts/check-layers.sh)"
		elif [ "$tr" -lt 0 ]; then
			report "$from includes $to: module $tm is not in NET_ORDER (scripts/check-layers.sh)"
		elif [ "$fm" != "$tm" ] && [ "$tr" -ge "$fr" ]; then
			report "$from includes $to ($tm is not below $fm in net/)"
		fi
		;;
	esac
done <"$tmp"

# A header is its module's whole interface: every function a net/ file
# defines for others carries its module's prefix, so no module implements
# what another's header declares (which would hide a circle from the
# include graph).
for f in net/*.c; do
	b=$(basename "$f" .c)
	m=$(net_module "$b")
	case "$m" in
	listen) prefix=listener_ ;;
	*) prefix=${m}_ ;;
	esac
	grep -v '^static' "$f" | sed -n 's/^[a-z][a-z0-9_ ]*[ *]\([a-z_][a-z0-9_]*\)(.*/\1/p' | while read -r fn; do
		case "$fn" in
		"$prefix"*) ;;
		*) echo "layers: $f defines $fn, outside its module's prefix ($prefix)" ;;
		esac
	done >>"$tmp.out"
done
if [ -s "$tmp.out" ]; then
	sort -u "$tmp.out" >&2
	exit 1
fi
