// A job's page follows its progress: it asks the job's state every second and, once the job
// has finished, loads the page again to show its result (or its error).
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const text = document.getElementById("job-progress-text");
  const label = document.getElementById("job-state");

  function show(state) {
    label.textContent = state.state;
    label.className = "state " + state.state;
    if (state.total) {
      bar.max = state.total;
      bar.value = state.done;
    }
    text.textContent = state.progress;
  }

  async function poll() {
    try {
      const answer = await fetch(box.dataset.stateUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (answer.redirected || !answer.ok) {
        window.location.reload();  // signed out, or the job is gone: the page says which
        return;
      }
      const state = await answer.json();
      show(state);
      if (state.finished) {
        window.location.reload();
        return;
      }
    } catch (error) {
      text.textContent = "the service is not answering; trying again";
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 500);
})();
