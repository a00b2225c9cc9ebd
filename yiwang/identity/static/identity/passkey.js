// Passkeys (WebAuthn) for the second-factor step and the account-security page.
// Loaded as a static file: the Content-Security-Policy forbids inline scripts.
// Each element with data-passkey="authenticate" or "register" gets a working button.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        "Content-Type": "application/json",
        "Accept": "application/json"
      },
      body: body || "{}"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          var problem = new Error(data.message || "");
          problem.code = data.code;
          throw problem;
        }
        return data;
      });
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toBase64url(response.userHandle); }
    }
    return JSON.stringify(json);
  }

  function setUp(element) {
    var button = element.querySelector(".passkey__button");
    var error = element.querySelector(".passkey__error");
    if (!button || !window.PublicKeyCredential) { return; }
    var register = element.getAttribute("data-passkey") === "register";
    button.hidden = false;
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      post(element.getAttribute("data-options-url"))
        .then(function (data) {
          return register
            ? navigator.credentials.create(creationOptions(data.options))
            : navigator.credentials.get(requestOptions(data.options));
        })
        .then(function (credential) {
          return post(element.getAttribute("data-verify-url"), credentialJSON(credential));
        })
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (problem) {
          button.disabled = false;
          if (problem.code === "reauthentication_required" && element.getAttribute("data-reauth-url")) {
            window.location.assign(element.getAttribute("data-reauth-url"));
            return;
          }
          error.textContent = problem.message || error.getAttribute("data-default") || "通行密钥验证未通过，请重试。";
          error.hidden = false;
        });
    });
  }

  document.querySelectorAll("[data-passkey]").forEach(setUp);
})();
