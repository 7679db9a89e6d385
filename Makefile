# The two commands a new machine needs: `make demo` and `make test`. Both run `setup` first.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export CACHE ?= $(HOME)/.cache/covid-us-etl
# Builds are slow on 2 cores: one target dir outside the clone, reused by every clone and CI run.
export CARGO_TARGET_DIR ?= $(CACHE)/target
export PATH := $(CURDIR)/node_modules/.bin:$(CACHE)/bin:$(CACHE)/venv/bin:$(PATH)
CARGO ?= cargo

.PHONY: help setup build test lint web demo bench lambda package clean-demo

help:
	@echo "make demo   - load the bundled real-data snapshot into a local DynamoDB and serve the API and site (offline; LIVE=1: live sources)"
	@echo "make test   - everything CI checks (formatting, clippy, all tests, the arm64 packages under qemu)"
	@echo "make bench  - ETL runs, API load and Lambda start times; see BENCHMARKS.md"
	@echo "make package - both Lambda functions for arm64 (cargo lambda build), smoke-tested under qemu, their sizes against the budgets, and the site"
	@echo "make web    - the site into web/dist (trunk)"

setup:
	@scripts/setup.sh

build: setup
	$(CARGO) build --workspace --all-targets

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) deny --locked check bans licenses sources
	scripts/check-pins.py
	cfn-lint template.yaml deploy/bootstrap.yaml
	scripts/test-deploy.sh
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	zizmor --offline --min-severity medium --no-progress .github/workflows/
	node scripts/us-map.mjs --check
	node scripts/us-county-map.mjs --check

# The functions' requests in the tests pass an IAM gate that judges them by their policies in
# template.yaml (testkit/src/iam); iam-audit then fails on any refusal and on any allowed action
# that no scenario used. The packaged arm64 bootstraps, as Lambda runs them, are smoke-tested
# under qemu and held to their size budgets (as `make package`).
test: export IAM_AUDIT_DIR := $(CURDIR)/.local/iam-audit
test: lint web lambda
	rm -rf "$$IAM_AUDIT_DIR"
	$(CARGO) test --workspace --locked
	$(CARGO) run --locked --quiet -p testkit --bin iam-audit
	scripts/smoke-arm64.sh
	scripts/package-sizes.py $(CARGO_TARGET_DIR)/lambda
	scripts/e2e.sh
	scripts/schemathesis.sh

# The site: web/dist, with trunk (pinned tools: web/Trunk.toml), release and offline.
# Its wasm alone is built with a pinned nightly (scripts/setup.sh installs it with rust-src): the
# standard library rebuilt for size, panics compiled to a bare trap, no panic locations and no
# `Debug` text. Together -22.0 KB gzip (BENCHMARKS.md). Everything else builds on stable.
export WEB_TOOLCHAIN := nightly-2026-05-19
# erase_components: leptos type-erases its views (one copy of the rendering code, not one per
# view type).
WEB_RUSTFLAGS := --cfg erase_components -Zunstable-options -Cpanic=immediate-abort \
	-Zlocation-detail=none -Zfmt-debug=none
# The wasm features rustc emits for wasm32 (and the site's browsers run).
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
	--enable-multivalue --enable-sign-ext --enable-mutable-globals
# trunk's environment for the site's wasm: the pinned nightly, std built for size.
TRUNK = RUSTUP_TOOLCHAIN=$(WEB_TOOLCHAIN) RUSTFLAGS="$(WEB_RUSTFLAGS)" \
	CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
web: setup
	cd web && $(TRUNK) trunk build --release --offline
	# The alerts page (the subscription form) has its own wasm, out of the charts' first load:
	# built beside, then put in the same folder (trunk names every page index.html).
	rm -rf web/dist-alerts
	cd web && $(TRUNK) trunk build --release --offline --dist dist-alerts alerts.html
	mv web/dist-alerts/index.html web/dist/alerts.html
	mv web/dist-alerts/alerts-* web/dist/
	rm -rf web/dist-alerts
	node scripts/trim-glue.mjs web/dist/web-*.js web/dist/alerts-*.js
	set -e; for js in web/dist/*.js; do node_modules/.bin/terser "$$js" --module --compress \
		--mangle --output "$$js.min"; mv "$$js.min" "$$js"; done
	# leptos' server functions export wasm-streams' JS stream adapters (IntoUnderlyingSource,
	# …), which this client-side site never calls: their exports are removed and their code
	# with them, then the wasm optimized again (-1.4 KB gzip, BENCHMARKS.md); trim-glue.mjs
	# (above) removes their JS classes (-0.3 KB).
	set -e; for wasm in web/dist/*.wasm; do node_modules/.bin/wasm-opt $(WASM_FEATURES) \
		--remove-exports --pass-arg='remove-exports@*intounderlying*' -Os "$$wasm" \
		-o "$$wasm.opt"; mv "$$wasm.opt" "$$wasm"; done
	# The imports' and exports' names, hashes and Rust type names, made short in the wasm and
	# the glue together (-5.2 KB gzip, BENCHMARKS.md).
	node scripts/short-names.mjs web/dist/web-*.wasm web/dist/web-*.js
	node scripts/short-names.mjs web/dist/alerts-*.wasm web/dist/alerts-*.js
	@scripts/first-load.sh

demo: web
	$(CARGO) build --release --locked -p etl -p api
	scripts/demo.sh

bench: web lambda
	$(CARGO) build --release --locked -p etl -p api
	$(CARGO) build --release --locked -p etl --example naive_load --example alert_fanout --example county_floor \
		--example county_history
	$(CARGO) build --release --locked -p testkit --bin history-snapshots
	scripts/bench-etl.sh
	scripts/bench-history.sh
	scripts/bench-api.sh
	scripts/bench-cold-start.sh
	scripts/bench-memory.sh
	scripts/bench-site.sh
	scripts/bench-alerts.sh
	scripts/bench-counties.sh
	scripts/bench-county-api.sh
	scripts/bench-county-archive.sh

# Both functions for arm64 Lambda (cargo-lambda from the venv, with zig), as SAM's
# rust-cargolambda build method builds them: target/lambda/{etl,api}/bootstrap.
lambda: setup
	scripts/setup.sh package
	cargo lambda build --release --arm64 --locked --bin etl --bin api

# The functions and the site. Both packaged bootstraps are started under qemu-user against a
# Runtime API stand-in; then their sizes, which fail the target above the budgets.
package: web lambda
	scripts/smoke-arm64.sh
	scripts/package-sizes.py $(CARGO_TARGET_DIR)/lambda

clean-demo:
	rm -rf .local/dynamodb
