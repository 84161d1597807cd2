# The browser suite (issue 16): `make e2e`. Installs Debian's chromium and Node.js when missing
# (scripts/deps.sh, as root), playwright-core and axe-core from tools/e2e's lockfile (npm ci; no
# browser download), builds summitd with the embedded client and runs tests/e2e/run.sh.
# E2E_PORT (default 8432) is where the suite's summitd listens; E2E_ARGS filters scenarios.
E2E := tools/e2e
.PHONY: e2e screenshots

$(E2E)/node_modules/.package-lock.json: $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

e2e: deps
	@scripts/deps.sh chromium fonts-wqy-microhei  # a CJK font, so screenshots show the Chinese
	@$(MAKE) --no-print-directory $(E2E)/node_modules/.package-lock.json all
	@B=$(B) tests/e2e/run.sh $(E2E_ARGS)

# The README's screenshots (docs/screenshots/*.png) from a running `make run`, which this starts
# not: run it in another terminal (same SUMMITD_LISTEN when it is not 127.0.0.1:8080).
screenshots:
	@scripts/deps.sh chromium fonts-wqy-microhei
	@$(MAKE) --no-print-directory $(E2E)/node_modules/.package-lock.json
	@node tests/e2e/screenshot-demo.mjs
