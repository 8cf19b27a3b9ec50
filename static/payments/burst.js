// A burst for the liveness check (issue 12): about 1.5 s of camera frames, each with its capture
// time, recorded while the page shows the challenge the server drew. Used by the counter screen
// and the camera enrolment page:
//
//   await FacePayBurst.open(video);                       // the camera, 640x480 asked
//   const burst = await FacePayBurst.record(video, {
//     onProgress: FacePayBurst.ring(svgCircle),
//   });                                                   // {frames: [base64 JPEG], timestamps_ms}
//   FacePayBurst.stop(video);
//
// Frames keep the camera's aspect ratio (scaled down to fit 640x480, never stretched); the
// timestamps are epoch milliseconds of this browser's clock (the server checks them against the
// time it issued the challenge, allowing for the clocks' offset).

(() => {
  const MAX_WIDTH = 640;
  const MAX_HEIGHT = 480;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  const now = () => performance.timeOrigin + performance.now();

  async function open(video, { width = MAX_WIDTH, height = MAX_HEIGHT } = {}) {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: width }, height: { ideal: height } },
      audio: false,
    });
    video.srcObject = stream;
    await video.play();
    // The first decoded frame gives the real size; until then videoWidth is 0.
    for (let waited = 0; !video.videoWidth && waited < 3000; waited += 50) await sleep(50);
    return stream;
  }

  function stop(video) {
    const stream = video.srcObject;
    if (stream) for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }

  function canvasFor(video) {
    const scale = Math.min(1, MAX_WIDTH / (video.videoWidth || MAX_WIDTH), MAX_HEIGHT / (video.videoHeight || MAX_HEIGHT));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round((video.videoWidth || MAX_WIDTH) * scale);
    canvas.height = Math.round((video.videoHeight || MAX_HEIGHT) * scale);
    return canvas;
  }

  // The length and the frame count come from the server (data-burst-ms, data-burst-frames on
  // the <video>: facepay.face.burst.recording_shape), the shape the liveness check is measured on.
  async function record(
    video,
    {
      durationMs = Number(video.dataset.burstMs),
      frames = Number(video.dataset.burstFrames),
      quality = 0.85,
      onProgress = null,
    } = {},
  ) {
    const canvas = canvasFor(video);
    const context = canvas.getContext("2d");
    const interval = durationMs / Math.max(frames - 1, 1);
    const started = performance.now();
    const burst = { frames: [], timestamps_ms: [] };
    for (let index = 0; index < frames; index += 1) {
      await sleep(started + index * interval - performance.now());
      const stamp = now();
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      burst.frames.push(canvas.toDataURL("image/jpeg", quality).split(",", 2)[1]);
      burst.timestamps_ms.push(Math.round(stamp * 10) / 10);
      if (onProgress) onProgress((index + 1) / frames);
    }
    return burst;
  }

  // A progress ring: an SVG <circle> whose stroke fills as the recording runs.
  function ring(circle) {
    if (!circle) return null;
    const length = 2 * Math.PI * Number(circle.getAttribute("r"));
    circle.style.strokeDasharray = `${length}`;
    circle.style.strokeDashoffset = `${length}`;
    return (fraction) => {
      circle.style.strokeDashoffset = `${length * (1 - fraction)}`;
      circle.closest("[role=progressbar]")?.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    };
  }

  window.FacePayBurst = { open, record, stop, ring };
})();
