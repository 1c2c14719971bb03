#!/usr/bin/env python3
"""A `$BROWSER` program that signs in to sigstore-local's development OIDC issuer with headless Chromium.

Usage: browser_login.py AUTHORIZE_URL

Launches Debian's `chromium` headless with a throwaway profile, opens AUTHORIZE_URL, types the email from
$BROWSER_LOGIN_EMAIL (default dev@sigstore.local) into the login form, clicks the submit button, and waits until
the browser has loaded the client's loopback callback (the request's redirect_uri, else any
http://localhost|127.0.0.1|[::1]:PORT/auth/callback). Then it prints
`browser_login: reached <callback URL without query>` to stderr, closes Chromium and exits 0. On any failure it
prints one `browser_login: error: ...` line and exits 1. Chromium is killed on every exit path.

Chromium is driven over the DevTools protocol on --remote-debugging-pipe (fd 3 in, fd 4 out, messages are JSON
terminated by NUL), so only the Python standard library is needed.

Environment:
  BROWSER_LOGIN_EMAIL    email to sign in as (default dev@sigstore.local)
  BROWSER_LOGIN_TIMEOUT  overall deadline in seconds (default 30)
  BROWSER_LOGIN_CHROMIUM Chromium executable (default: `chromium` on PATH)
  BROWSER_LOGIN_DEBUG    if set, Chromium's own stderr is passed through
"""

import ctypes
import errno
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

PROG = "browser_login"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Failure(Exception):
    pass


def log(message):
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


def strip_query(url):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def callback_matcher(authorize_url):
    """Returns a predicate telling whether a URL is the client's callback."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize_url).query)
    redirect = (query.get("redirect_uri") or [None])[0]
    expected = urllib.parse.urlsplit(redirect) if redirect and redirect.startswith("http://") else None

    def matches(url):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK_HOSTS:
            return False
        if expected is not None:
            return (parts.hostname, parts.port, parts.path or "/") == (
                expected.hostname, expected.port, expected.path or "/")
        return parts.path == "/auth/callback"

    return matches


# argv: READ_FD WRITE_FD PROGRAM ARGS... -> exec PROGRAM with READ_FD as fd 3 and WRITE_FD as fd 4.
FD_SHIM = """import fcntl, os, sys
r, w = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
for fd in (int(sys.argv[1]), int(sys.argv[2])):
    os.close(fd)
os.dup2(r, 3)
os.dup2(w, 4)
os.close(r)
os.close(w)
os.execvp(sys.argv[3], sys.argv[3:])
"""


class Chromium:
    """A headless Chromium process and a DevTools connection to it over --remote-debugging-pipe."""

    def __init__(self, executable, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="browser-login-")
        self.proc = None
        self.to_chrome = self.from_chrome = None
        self.buffer = b""
        self.events = []
        self.next_id = 0
        self.stage = "chromium"
        self.flags = [
            "--headless=new",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--password-store=basic",
            "--mute-audio",
            "--window-size=1024,768",
        ]
        if os.geteuid() == 0:
            self.flags.append("--no-sandbox")
        # Chromium reads commands from fd 3 and writes replies to fd 4. A tiny Python shim puts the pipe ends
        # there and execs Chromium (Debian's /usr/bin/chromium is a sh wrapper that execs the real binary), so
        # the process we hold is Chromium itself; it leads its own process group, which is killed as a whole.
        cmd_read, cmd_write = os.pipe()
        out_read, out_write = os.pipe()
        try:
            stderr = None if os.environ.get("BROWSER_LOGIN_DEBUG") else subprocess.DEVNULL
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", FD_SHIM, str(cmd_read), str(out_write), executable, *self.flags,
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(cmd_read, out_write), start_new_session=True, preexec_fn=die_with_parent)
        finally:
            os.close(cmd_read)
            os.close(out_write)
        self.to_chrome, self.from_chrome = cmd_write, out_read
        os.set_blocking(self.from_chrome, False)

    # -- protocol ---------------------------------------------------------------------------------------------

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failure(f"timed out waiting for {self.stage}")
        return left

    def _read_message(self, timeout):
        """Returns the next message from Chromium, or None if none arrived within `timeout` seconds."""
        end = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = min(end - time.monotonic(), self.remaining())
            if left <= 0:
                return None
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.from_chrome, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise Failure(f"chromium exited unexpectedly (status {self.proc.poll()})")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            _, ready, _ = select.select([], [self.to_chrome], [], self.remaining())
            if ready:
                try:
                    data = data[os.write(self.to_chrome, data):]
                except BrokenPipeError:
                    raise Failure("chromium closed its DevTools pipe") from None
        return self.next_id

    def call(self, method, params=None, session=None):
        """Sends a command and waits for its reply, keeping events that arrive meanwhile."""
        ident = self.send(method, params, session)
        while True:
            message = self._read_message(self.remaining())
            if message is None:
                continue
            if message.get("id") == ident:
                if "error" in message:
                    raise Failure(f"{method}: {message['error'].get('message', message['error'])}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def next_event(self, timeout):
        """Returns the next queued or incoming event, or None after `timeout` seconds."""
        if self.events:
            return self.events.pop(0)
        end = time.monotonic() + timeout
        while True:
            message = self._read_message(max(0.0, end - time.monotonic()))
            if message is None:
                return None
            if "method" in message:
                return message

    # -- teardown -----------------------------------------------------------------------------------------------

    def close(self):
        signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)  # finish cleaning up even if signalled again
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.deadline = time.monotonic() + 2
                self.send("Browser.close")
                self.proc.wait(timeout=2)
            except Exception:
                pass
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers (renderers, zygotes) too
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        reap_orphans()
        for fd in (self.to_chrome, self.from_chrome):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        shutil.rmtree(self.profile, ignore_errors=True)


def die_with_parent():
    """In the child before exec: SIGKILL Chromium if this script dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def become_subreaper():
    """Makes Chromium's helper processes (zygotes) come back to us, not to pid 1, if Chromium dies first."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def kill_orphans():
    """SIGKILLs whatever of Chromium was reparented to us and outside its process group (crashpad handlers)."""
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            if ppid == me:
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass


def reap_orphans():
    """Collects exited descendants handed to us as subreaper, for at most one second."""
    kill_orphans()
    end = time.monotonic() + 1
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except OSError as error:
            if error.errno != errno.EINTR:
                return
            continue
        if pid == 0:
            time.sleep(0.02)


class Page:
    """One attached page target (flattened session)."""

    def __init__(self, browser):
        self.browser = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Network.enable")
        self.frame = self.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
        self.expect_navigation()

    def call(self, method, params=None):
        return self.browser.call(method, params, self.session)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise Failure(f"script error: {details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def pump(self, timeout):
        """Handles one event (or waits up to `timeout`); tracks the main frame's committed URL and load."""
        event = self.browser.next_event(timeout)
        if event is None or event.get("sessionId") != self.session:
            return
        method, params = event["method"], event.get("params", {})
        if method == "Page.frameNavigated" and params["frame"]["id"] == self.frame:
            frame = params["frame"]
            self.url = frame.get("unreachableUrl") or frame["url"]
            self.unreachable = "unreachableUrl" in frame
            self.loaded = False
        elif method == "Page.loadEventFired" and self.url is not None:
            self.loaded = True
        elif method == "Network.responseReceived" and params.get("type") == "Document" \
                and params.get("frameId") == self.frame:
            self.status = params["response"].get("status")

    def expect_navigation(self):
        """Forgets the current document; call before whatever starts a navigation."""
        self.url, self.status, self.loaded, self.unreachable = None, None, False, False

    def wait_navigation(self):
        """Waits until the main frame has committed a new document and fired its load event."""
        while self.url is None or not self.loaded:
            self.pump(self.browser.remaining())

    def navigate(self, url):
        self.expect_navigation()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise Failure(f"cannot open {strip_query(url)}: {result['errorText']}")
        self.wait_navigation()

    def body_text(self):
        try:
            text = self.evaluate("document.body ? document.body.innerText : ''") or ""
        except Failure:
            return ""
        return " ".join(text.split())[:200]


FIND_FORM = """(() => {
  const input = document.querySelector('form input[name="email"]');
  if (!input) return null;
  const form = input.form;
  const button = form.querySelector('button[type="submit"], button:not([type]), input[type="submit"]');
  if (button) button.scrollIntoView({block: 'center'});
  const r = button ? button.getBoundingClientRect() : null;
  return {button: r ? {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height} : null};
})()"""


def login(url, email, executable, deadline):
    is_callback = callback_matcher(url)
    become_subreaper()
    # Signals wait until `browser` exists, so the handler's exception always reaches the `finally` (and if this
    # script is killed outright, PR_SET_PDEATHSIG takes Chromium down with it).
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)
    try:
        browser = Chromium(executable, deadline)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED_SIGNALS)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED_SIGNALS)
        browser.stage = "chromium to start"
        page = Page(browser)
        browser.stage = f"{strip_query(url)} to load"
        page.navigate(url)
        if not is_callback(page.url):  # an auto-approving issuer redirects straight to the callback
            form = page.evaluate(FIND_FORM)
            if form is None:
                status = f"HTTP {page.status}" if page.status else "no response status"
                raise Failure(f"no login form at {strip_query(page.url)} ({status}): {page.body_text()!r}")
            # Type the email like a user: focus the field, select what is there, insert the text.
            page.evaluate("""(() => { const i = document.querySelector('form input[name="email"]');
                i.focus(); i.select(); })()""")
            page.call("Input.insertText", {"text": email})
            typed, valid = page.evaluate("""(() => { const i = document.querySelector('form input[name="email"]');
                return [i.value, i.form.checkValidity()]; })()""")
            if typed != email:
                raise Failure(f"typing into the email field gave {typed!r}")
            if not valid:
                raise Failure(f"the login form rejects {email!r} (form validation)")
            # Click the submit button (a real mouse click at its centre).
            page.expect_navigation()
            button = form["button"]
            if button and button["w"] > 0 and button["h"] > 0:
                for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                    page.call("Input.dispatchMouseEvent", {
                        "type": kind, "x": button["x"], "y": button["y"], "button": "left" if kind != "mouseMoved"
                        else "none", "clickCount": 1})
            else:  # no visible button: press Enter in the field, as a user would
                for kind in ("rawKeyDown", "char", "keyUp"):
                    params = {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
                    if kind == "char":
                        params["text"] = "\r"
                    page.call("Input.dispatchKeyEvent", params)
            # The next document the page commits and loads must be the callback.
            browser.stage = "the callback after submitting the form"
            page.wait_navigation()
            if not is_callback(page.url):
                status = f"HTTP {page.status}" if page.status else "no response status"
                raise Failure(f"sign-in did not reach the callback: {strip_query(page.url)} ({status}): "
                              f"{page.body_text()!r}")
        if page.unreachable:
            raise Failure(f"callback {strip_query(page.url)} is unreachable")
        log(f"reached {strip_query(page.url)}")
    finally:
        browser.close()


def main(argv):
    if len(argv) != 2 or not argv[1] or argv[1].startswith("-"):
        log("error: usage: browser_login.py AUTHORIZE_URL")
        return 1
    url = argv[1]
    email = os.environ.get("BROWSER_LOGIN_EMAIL") or "dev@sigstore.local"
    try:
        timeout = float(os.environ.get("BROWSER_LOGIN_TIMEOUT") or 30)
    except ValueError:
        timeout = 30.0
    deadline = time.monotonic() + timeout

    def terminate(signum, _frame):
        raise Failure(f"interrupted by signal {signum}")

    for sig in HANDLED_SIGNALS:
        signal.signal(sig, terminate)

    executable = os.environ.get("BROWSER_LOGIN_CHROMIUM") or shutil.which("chromium")
    if not executable or not os.access(executable, os.X_OK):
        log("error: chromium not found (apt-get install chromium)")
        return 1
    try:
        login(url, email, executable, deadline)
    except Failure as failure:
        log(f"error: {failure}")
        return 1
    except Exception as error:  # never a traceback: one line and exit 1
        log(f"error: {type(error).__name__}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
