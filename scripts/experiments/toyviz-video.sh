#!/bin/sh
# toyviz-video.sh — a video of a toy2d run's four-panel frames
# (RUN/toyviz/frame_NNNNNN.png, numbered 1, 2, 3 ...) with ffmpeg.
#   scripts/experiments/toyviz-video.sh RUN [OUT.mp4] [--fps N]
# ffmpeg is optional (apt-get install ffmpeg); nothing else needs it.
set -u
run=""
out=""
fps=8
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --fps) fps=$2; shift ;;
    *) if [ -z "$run" ]; then run=$1; elif [ -z "$out" ]; then out=$1; else echo "toyviz-video: too many arguments" >&2; exit 2; fi ;;
    esac
    shift
done
[ -n "$run" ] || { echo "usage: toyviz-video.sh RUN [OUT.mp4] [--fps N]" >&2; exit 2; }
[ -f "$run/toyviz/frame_000001.png" ] || { echo "toyviz-video: $run/toyviz/frame_000001.png: no frames (a toy2d run with train.toyviz_every >= 0)" >&2; exit 1; }
command -v ffmpeg >/dev/null 2>&1 || { echo "toyviz-video: ffmpeg is not installed (apt-get install ffmpeg)" >&2; exit 1; }
[ -n "$out" ] || out=$run/toyviz/frames.mp4
# yuv420p needs even sizes: the frames are 1000 wide and an even height
exec ffmpeg -loglevel error -y -framerate "$fps" -i "$run/toyviz/frame_%06d.png" \
    -vf "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white" -c:v libx264 -pix_fmt yuv420p "$out"
