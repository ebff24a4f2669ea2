"""Pure audio: decode/encode via ffmpeg, loudness, trim, chime, TTS, content-addressed store."""
