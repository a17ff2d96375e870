/*!
 * pushline.js: the browser client for Pushline. No dependencies.
 *
 * Include it either way (the gateway serves both from its WebSocket port):
 *   <script src="http://HOST:1234/pushline.js"></script>           defines window.Pushline
 *   import Pushline from 'http://HOST:1234/pushline.mjs';          the same code as an ES module
 *
 *   const client = new Pushline({
 *     url: 'ws://HOST:1234/',  // the gateway
 *     uid: 'uid1',             // sent as the first text frame, on every (re)connect
 *     // token: '...',         // instead of uid: appended to the URL as ?token=...
 *     json: false,             // true: 'message' gets JSON.parse(payload) instead of the string
 *     minDelay: 500,           // ms, shortest wait before a reconnect
 *     maxDelay: 30000          // ms, longest wait before a reconnect
 *   });
 *   client.on('message', function (payload) { ... });
 *   client.connect();
 *
 * Events (client.on(name, fn) / client.off(name, fn); both return the client):
 *   'connect'     ()                          the socket opened and the identity was sent
 *   'disconnect'  ({code, reason, willReconnect})
 *   'message'     (payload)                   the pushed line: a string, or the parsed value when json is true
 *   'state'       (state)                     every change of client.state
 *   'error'       (error)                     a payload that is not JSON when json is true (error.data holds it),
 *                                             or a URL the browser refuses; logged to the console when nobody listens
 *
 * client.state is 'connecting' (a socket is opening), 'open', or 'closed' (no socket: before connect(), after
 * disconnect(), after a refusal, and while waiting to reconnect).
 *
 * Reconnects: after any close except a refusal, the client waits a random time between minDelay and
 * min(maxDelay, minDelay * 2^(attempt+1)) ("full jitter", so pages do not all return at once after a gateway
 * restart) and reconnects; the attempt count resets when a connection opens. It does not reconnect after
 * 4400 (invalid uid), 4408 (no uid in time), 4401 and 4403 (authentication refused): retrying cannot help.
 */
(function (root) {
  'use strict';

  var DEFAULT_MIN_DELAY = 500;
  var DEFAULT_MAX_DELAY = 30000;
  /** Retrying with the same identity cannot succeed after these close codes. */
  var REFUSALS = { 4400: 'invalid uid', 4401: 'unauthorized', 4403: 'forbidden', 4408: 'no uid in time' };
  var EVENTS = ['connect', 'disconnect', 'message', 'state', 'error'];
  /** Caps the exponent so the ceiling stays a finite number however long a gateway stays away. */
  var MAX_DOUBLINGS = 30;

  function delayOption(value, fallback, name) {
    if (value === undefined || value === null) {
      return fallback;
    }
    if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      throw new TypeError('Pushline: ' + name + ' must be a number of milliseconds >= 0, got ' + value);
    }
    return value;
  }

  function Pushline(options) {
    if (!(this instanceof Pushline)) {
      throw new TypeError('Pushline: call it with new, e.g. new Pushline({url: "ws://host:1234/", uid: "uid1"})');
    }
    options = options || {};
    if (typeof options.url !== 'string' || options.url === '') {
      throw new TypeError('Pushline: options.url is required, e.g. "ws://host:1234/"');
    }
    var hasUid = options.uid !== undefined && options.uid !== null;
    var hasToken = options.token !== undefined && options.token !== null;
    if (hasUid === hasToken) {
      throw new TypeError('Pushline: give exactly one of options.uid and options.token');
    }
    this.url = options.url;
    this.uid = hasUid ? String(options.uid) : null;
    this.token = hasToken ? String(options.token) : null;
    this.json = options.json === true;
    this.minDelay = delayOption(options.minDelay, DEFAULT_MIN_DELAY, 'minDelay');
    this.maxDelay = Math.max(this.minDelay, delayOption(options.maxDelay, DEFAULT_MAX_DELAY, 'maxDelay'));
    this.state = 'closed';
    this._listeners = {};
    this._socket = null;
    this._timer = null;
    this._attempt = 0;
    this._wanted = false;
  }

  Pushline.prototype.on = function (event, fn) {
    checkListener(event, fn);
    (this._listeners[event] = this._listeners[event] || []).push(fn);
    return this;
  };

  Pushline.prototype.off = function (event, fn) {
    checkListener(event, fn);
    var list = this._listeners[event] || [];
    var i = list.indexOf(fn);
    if (i >= 0) {
      list.splice(i, 1);
    }
    return this;
  };

  /** Starts connecting, and keeps the client connected until disconnect(). Calling it again is harmless. */
  Pushline.prototype.connect = function () {
    this._wanted = true;
    if (this._socket === null && this._timer === null) {
      this._open();
    }
    return this;
  };

  /** Closes the socket (code 1000) and cancels any pending reconnect. */
  Pushline.prototype.disconnect = function () {
    this._wanted = false;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    var socket = this._socket;
    if (socket !== null) {
      this._socket = null;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(1000, 'client disconnect');
      this._setState('closed');
      this._emit('disconnect', { code: 1000, reason: 'client disconnect', willReconnect: false });
    }
    return this;
  };

  Pushline.prototype._open = function () {
    var self = this;
    var url = this.token === null ? this.url
      : this.url + (this.url.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(this.token);
    var socket;
    try {
      socket = new WebSocket(url);
    } catch (e) {
      // A malformed URL: no retry can fix it.
      this._wanted = false;
      this._emit('error', e);
      return;
    }
    this._socket = socket;
    this._setState('connecting');
    socket.onopen = function () {
      if (self.uid !== null) {
        socket.send(self.uid);
      }
      self._attempt = 0;
      self._setState('open');
      self._emit('connect');
    };
    socket.onmessage = function (event) {
      self._deliver(event.data);
    };
    // The browser follows every error with a close event, which carries the code: onclose does the work.
    socket.onerror = function () {};
    socket.onclose = function (event) {
      self._socket = null;
      var willReconnect = self._wanted && !Object.prototype.hasOwnProperty.call(REFUSALS, event.code);
      self._setState('closed');
      self._emit('disconnect', { code: event.code, reason: event.reason, willReconnect: willReconnect });
      // A 'disconnect' listener may have called connect() or disconnect(): only schedule if nothing did.
      if (willReconnect && self._wanted && self._socket === null && self._timer === null) {
        self._schedule();
      }
    };
  };

  Pushline.prototype._schedule = function () {
    var self = this;
    var ceiling = Math.min(this.maxDelay, this.minDelay * Math.pow(2, Math.min(this._attempt + 1, MAX_DOUBLINGS)));
    var delay = this.minDelay + Math.random() * (ceiling - this.minDelay);
    this._attempt++;
    this._timer = setTimeout(function () {
      self._timer = null;
      if (self._wanted) {
        self._open();
      }
    }, delay);
  };

  Pushline.prototype._deliver = function (data) {
    if (typeof data !== 'string') {
      return; // Pushline sends text frames only
    }
    if (!this.json) {
      this._emit('message', data);
      return;
    }
    var parsed;
    try {
      parsed = JSON.parse(data);
    } catch (e) {
      var error = new Error('Pushline: a pushed payload is not JSON (' + e.message + ')');
      error.data = data;
      this._emit('error', error);
      return;
    }
    this._emit('message', parsed);
  };

  Pushline.prototype._setState = function (state) {
    if (this.state !== state) {
      this.state = state;
      this._emit('state', state);
    }
  };

  Pushline.prototype._emit = function (event, arg) {
    var list = (this._listeners[event] || []).slice();
    if (event === 'error' && list.length === 0 && typeof console !== 'undefined') {
      console.error(arg);
      return;
    }
    for (var i = 0; i < list.length; i++) {
      try {
        list[i].call(this, arg);
      } catch (e) {
        // One faulty listener must not break the connection or starve the others; rethrow where it shows.
        setTimeout(function () { throw e; }, 0);
      }
    }
  };

  function checkListener(event, fn) {
    if (EVENTS.indexOf(event) < 0) {
      throw new TypeError('Pushline: unknown event "' + event + '"; events are ' + EVENTS.join(', '));
    }
    if (typeof fn !== 'function') {
      throw new TypeError('Pushline: the listener for "' + event + '" must be a function');
    }
  }

  root.Pushline = Pushline;
  if (typeof module === 'object' && module && module.exports) {
    module.exports = Pushline;
  }
})(typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : this);
