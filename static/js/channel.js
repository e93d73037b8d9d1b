// The channel page's follow and unfollow without a reload: the same forms (which work without script) sent
// to the REST API instead (POST/DELETE /api/v1/creators/<username>/follow), then the page's state switched.
"use strict";
(function () {
  const follow = document.querySelector("form.channel-follow");
  const unfollow = document.querySelector("form.channel-unfollow");
  if (!follow || !unfollow) return;
  const submit = follow.querySelector(".channel-follow-button");
  const status = document.querySelector(".follow-status");
  const count = document.getElementById("follower-count");
  const name = follow.dataset.name;
  const path = "/api/v1/creators/" + encodeURIComponent(follow.dataset.username) + "/follow";
  const csrf = follow.querySelector("[name=csrfmiddlewaretoken]").value;

  function show(following, change) {
    follow.dataset.following = following ? "1" : "0";
    submit.textContent = following ? "Save notifications" : "Follow";
    unfollow.hidden = !following;
    if (count && change) {
      const next = Math.max(0, Number(count.dataset.count) + change);
      count.dataset.count = String(next);
      count.textContent = next + (next === 1 ? " follower" : " followers");
    }
  }

  function send(method, body, busy, done) {
    busy.disabled = true;
    fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
      .then((response) => {
        if (response.status === 401 || response.status === 403) {
          location.href = "/accounts/login/?next=" + encodeURIComponent(location.pathname);
          return;
        }
        if (!response.ok) {
          return response.json().catch(() => ({})).then((error) => {
            status.textContent = error.detail || "Could not change that. Try again.";
          });
        }
        done(response.status);
      })
      .catch(() => { status.textContent = "Network trouble. Try again."; })
      .finally(() => { busy.disabled = false; });
  }

  follow.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = Array.from(follow.querySelectorAll("input[name=notifications]:checked"), (box) => box.value);
    const was = follow.dataset.following === "1";
    send("POST", { notifications: chosen }, submit, (code) => {
      show(true, code === 201 ? 1 : 0);
      const told = chosen.length ? " You will hear " + (chosen.length === 2 ? "when they go live or schedule a stream." : chosen[0] === "go_live" ? "when they go live." : "when they schedule a stream.") : " No notifications.";
      status.textContent = (was ? "Notifications saved." : "You follow " + name + ".") + told;
    });
  });

  unfollow.addEventListener("submit", (event) => {
    event.preventDefault();
    send("DELETE", undefined, unfollow.querySelector("button"), () => {
      show(false, -1);
      status.textContent = "You no longer follow " + name + ".";
      submit.focus(); // the Unfollow button just vanished
    });
  });
})();
