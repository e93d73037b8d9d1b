"""The media pipeline's edges: nginx-rtmp configuration, its /stat and /control, and ffmpeg/ffprobe jobs."""
