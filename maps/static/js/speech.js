/* Read aloud (Web Speech API) in the chosen language; the buttons hide where the browser cannot speak. */
(function () {
  "use strict";
  const B = window.Bosai;
  const synth = "speechSynthesis" in window ? window.speechSynthesis : null;
  /* Slightly slower than normal speech, for elderly listeners. */
  const RATE = 0.9;
  let speakingButton = null;

  B.canSpeak = () => Boolean(synth && "SpeechSynthesisUtterance" in window);

  function voiceFor(lang) {
    const voices = synth.getVoices();
    const prefix = lang.split("-")[0];
    return voices.find((v) => v.lang === lang) || voices.find((v) => v.lang && v.lang.startsWith(prefix)) || null;
  }

  function setButton(button, speaking) {
    if (!button) return;
    button.setAttribute("aria-pressed", speaking ? "true" : "false");
    const label = button.querySelector("[data-i18n]");
    const msgid = speaking ? B.N_("Stop reading") : B.N_("Read aloud");
    if (label) {
      label.setAttribute("data-i18n", msgid);
      label.innerHTML = B.th(msgid);
    }
  }

  B.stopSpeaking = function () {
    if (synth) synth.cancel();
    setButton(speakingButton, false);
    speakingButton = null;
  };

  /* Speak text; pressing the same button again stops. */
  B.speak = function (text, button) {
    if (!B.canSpeak() || !text) return;
    if (speakingButton && speakingButton === button) {
      B.stopSpeaking();
      return;
    }
    B.stopSpeaking();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = B.voiceLang();
    const voice = voiceFor(utterance.lang);
    if (voice) utterance.voice = voice;
    utterance.rate = RATE;
    utterance.onend = () => {
      if (speakingButton === button) B.stopSpeaking();
    };
    utterance.onerror = utterance.onend;
    speakingButton = button || null;
    setButton(button, true);
    synth.speak(utterance);
  };

  /* A "read aloud" button that speaks what textFn returns at the time of the press. */
  B.speakButton = function (textFn) {
    const button = B.el("button", { type: "button", class: "btn btn--small btn--speak", "aria-pressed": "false" }, [
      B.el("span", { "aria-hidden": "true", text: "🔊 " }),
      B.el("span", { "data-i18n": "Read aloud", html: B.th("Read aloud") }),
    ]);
    button.hidden = !B.canSpeak();
    button.addEventListener("click", () => B.speak(textFn(), button));
    return button;
  };

  B.on("language", () => B.stopSpeaking());
})();
