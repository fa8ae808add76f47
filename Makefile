# The two commands of README.md: `make run` and `make test`. Both install what is missing first.
CARGO ?= cargo
INTAKE := target/release/intake
# tesseract's OpenMP threading must be off when the process starts (see ARCHITECTURE.md).
export OMP_THREAD_LIMIT := 1

.PHONY: deps build run test lint bench soak model samples clean

deps:
	@scripts/install-deps.sh

build: deps
	$(CARGO) build --release --locked

## Import the sample master data and serve with the default configuration (data in ./data,
## watched folder ./inbox). Stop with Ctrl-C.
run: build
	$(INTAKE) customers import --customers samples/customers.csv --contracts samples/contracts.csv
	@# First run: a web UI user `admin` with a random password in data/admin-password.
	@if [ -z "$$($(INTAKE) users list)" ]; then \
	  mkdir -p data && head -c 18 /dev/urandom | base64 > data/admin-password && \
	  chmod 600 data/admin-password && \
	  $(INTAKE) users add admin --role admin --permission health --password-file data/admin-password; \
	fi
	@echo "web UI: http://127.0.0.1:8080  (user admin, password in data/admin-password)"
	$(INTAKE) serve

## Format check and the whole test suite.
test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) test --locked

lint: deps
	$(CARGO) clippy --locked --all-targets -- -D warnings

## Ingest 10,000 generated e-mails and 1,000 PDFs; prints docs/s, peak RSS, search p50/p99.
## Then OCR: pages/s and character error rate of intake vs the tesseract CLI on generated scans,
## and 1,000 e-mails with attachments taken from a local Dovecot (messages/s); case linking with
## 1,000,000 documents in the store (ms per document); identification with 1,000,000 contracts;
## classification (model load, µs per document).
bench: build
	$(CARGO) bench --locked --bench ingest
	$(CARGO) bench --locked --bench ocr
	$(CARGO) bench --locked --bench imap
	$(CARGO) bench --locked --bench web
	$(CARGO) bench --locked --bench cases
	$(CARGO) bench --locked --bench identify
	$(CARGO) bench --locked --bench classify

## Thousands of hostile inputs plus public mail corpora through `intake ingest`; every file must
## end archived or quarantined, none unfinished, no crash (figures in RELIABILITY.md).
soak: build
	scripts/soak.sh

## Retrain the shipped text model classifiers/model.json (see scripts/train-model.sh).
model: build
	INTAKE=$(INTAKE) scripts/train-model.sh

clean:
	rm -rf target data inbox
