// The studio's thumbnail: a preview of the 16:9 crop the server will make (the centre of the image, as
// livestream/images.py's ImageOps.fit does), then the upload through the API (PUT .../thumbnail, multipart
// "image") with its progress, and removal (DELETE). Without script the same form posts to the page's view.
(function () {
  "use strict";
  const section = document.getElementById("thumbnail");
  if (!section) return;
  const form = section.querySelector(".thumbnail-form");
  const input = form.querySelector('input[type="file"]');
  const field = document.getElementById("field-image");
  const previewFigure = section.querySelector(".thumbnail-preview");
  const canvas = previewFigure.querySelector("canvas");
  const currentFrame = section.querySelector(".thumbnail-current .thumbnail-frame");
  const currentCaption = section.querySelector(".thumbnail-current figcaption");
  const progressBox = section.querySelector(".thumbnail-progress");
  const progress = progressBox.querySelector("progress");
  const progressText = progressBox.querySelector(".thumbnail-progress-text");
  const statusLine = section.querySelector(".thumbnail-status");
  const submit = form.querySelector('button[type="submit"]');
  const url = "/api/v1/streams/" + section.dataset.streamId + "/thumbnail";
  const csrf = () => form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const RATIO = 16 / 9;

  // The largest 16:9 box in the centre of a width x height image: what the server keeps.
  function centreCrop(width, height) {
    if (width / height > RATIO) {
      const w = height * RATIO;
      return { x: (width - w) / 2, y: 0, w: w, h: height };
    }
    const h = width / RATIO;
    return { x: 0, y: (height - h) / 2, w: width, h: h };
  }

  function showError(message) {
    let box = field.querySelector(".field-errors");
    if (!message) {
      if (box) box.remove();
      field.classList.remove("has-errors");
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.className = "field-errors";
      box.setAttribute("role", "alert");
      field.appendChild(box);
    }
    box.textContent = message; // text, never markup
    field.classList.add("has-errors");
    input.setAttribute("aria-invalid", "true");
  }

  function drawPreview(file) {
    showError("");
    statusLine.textContent = "";
    if (!file) {
      previewFigure.hidden = true;
      return;
    }
    // createImageBitmap turns the picture as its EXIF says, as the server does (ImageOps.exif_transpose).
    createImageBitmap(file, { imageOrientation: "from-image" })
      .then((bitmap) => {
        const crop = centreCrop(bitmap.width, bitmap.height);
        const context = canvas.getContext("2d");
        context.clearRect(0, 0, canvas.width, canvas.height);
        context.drawImage(bitmap, crop.x, crop.y, crop.w, crop.h, 0, 0, canvas.width, canvas.height);
        canvas.setAttribute(
          "aria-label",
          "Preview of the 16:9 crop of " + file.name + " (" + bitmap.width + "×" + bitmap.height + " pixels)"
        );
        bitmap.close();
        previewFigure.hidden = false;
      })
      .catch(() => {
        previewFigure.hidden = true;
        showError("This browser cannot read that file as an image; upload a JPEG, PNG, WebP or GIF.");
      });
  }

  function showCurrent(stream) {
    const src = (stream.thumbnails || {})["640x360"] || stream.thumbnail_url;
    if (src) {
      const img = document.createElement("img");
      img.src = src;
      img.alt = "The stream's thumbnail now";
      img.width = 640;
      img.height = 360;
      currentFrame.replaceChildren(img);
    } else {
      const none = document.createElement("span");
      none.className = "thumbnail-none";
      none.textContent = "No thumbnail yet";
      currentFrame.replaceChildren(none);
    }
  }

  function refusal(xhr) {
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch (e) {
      body = null;
    }
    if (body && Array.isArray(body.image)) return body.image.join(" "); // invalid_image, image_too_large, image_too_small
    if (body && body.detail) return body.detail; // images_busy (429), request_too_large (413), ...
    return "The upload failed (HTTP " + xhr.status + "); try again.";
  }

  function setProgress(percent) {
    progress.value = percent;
    progressText.textContent = percent + "%";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) {
      showError("Choose an image first.");
      input.focus();
      return;
    }
    showError("");
    const body = new FormData();
    body.append("image", file);
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) setProgress(Math.round((e.loaded / e.total) * 100));
    });
    xhr.upload.addEventListener("load", () => {
      setProgress(100);
      statusLine.textContent = "Uploaded; making the thumbnail sizes…";
    });
    xhr.addEventListener("load", () => {
      submit.disabled = false;
      if (xhr.status >= 200 && xhr.status < 300) {
        showCurrent(JSON.parse(xhr.responseText));
        currentCaption.textContent = "Now: your own image";
        statusLine.textContent = "Your thumbnail is saved.";
        form.reset();
        previewFigure.hidden = true;
        progressBox.hidden = true;
        section.querySelector(".thumbnail-remove").hidden = false;
      } else {
        progressBox.hidden = true;
        statusLine.textContent = "";
        showError(refusal(xhr));
      }
    });
    xhr.addEventListener("error", () => {
      submit.disabled = false;
      progressBox.hidden = true;
      statusLine.textContent = "";
      showError("Could not reach the server; check your connection and try again.");
    });
    setProgress(0);
    progressBox.hidden = false;
    statusLine.textContent = "Uploading…";
    submit.disabled = true;
    xhr.send(body);
  });

  input.addEventListener("change", () => drawPreview(input.files && input.files[0]));

  // Removal through the API too; the button stays a plain form POST without script.
  section.addEventListener("submit", (event) => {
    const remove = event.target.closest(".thumbnail-remove");
    if (!remove) return;
    event.preventDefault();
    const button = remove.querySelector("button");
    button.disabled = true;
    fetch(url, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrf(), Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((stream) => {
        showCurrent(stream);
        currentCaption.textContent = stream.thumbnail_url ? "Now: automatic, from the video" : "Now";
        statusLine.textContent = "Your thumbnail is removed.";
        remove.hidden = true;
        button.disabled = false;
      })
      .catch(() => {
        button.disabled = false;
        statusLine.textContent = "Could not remove the thumbnail; try again.";
      });
  });
})();
