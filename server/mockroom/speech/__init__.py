"""Speech recognition of recorded takes: transcripts with word timings and speaking feedback.

- recognizer: the Recognizer protocol (16 kHz PCM in, timed words out), Word, the null backend
- sphinx, whisper: the backends (pocketsphinx from its wheel; faster-whisper from a local model)
- audio: a clip's audio as 16 kHz mono PCM (PyAV)
- worker: what runs in a recognition worker process (spawned, nice 10)
- transcripts: the service: bounded queue, pending on overflow, process pool, hooked into
  recordings.ClipStore.finished_hooks so every finished clip is transcribed
- feedback: pure speaking figures (pace, fillers, pauses, I vs we, STAR, rubric terms)
- views: transcripts as the review page, its JSON and review.md show them
- live: a caption worker process: streaming pocketsphinx, lines cut at pauses, finals re-decoded
- captions: live captions' bounded worker slots, the pipe to each and its back-pressure
"""
