// An AudioWorklet processor that hands the microphone's samples (first channel, at the context's rate) to the page,
// which resamples them to 16 kHz PCM16 and streams them. It only copies: no processing happens on the audio thread.
class PcmCaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor('pcm-capture', PcmCaptureProcessor);
