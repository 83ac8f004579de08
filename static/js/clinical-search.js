// Suggestions for the visit page: ICD-10 codes and catalogue medicines, fetched from our JSON endpoints
// into <datalist> elements. Picking a suggestion fills the related fields; typing free text still works.

const DEBOUNCE_MS = 180;

function debounce(fn) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), DEBOUNCE_MS);
  };
}

async function fetchResults(url, query) {
  const separator = url.includes("?") ? "&" : "?";
  const response = await fetch(`${url}${separator}q=${encodeURIComponent(query)}`, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return [];
  const data = await response.json();
  return data.results || [];
}

function fillDatalist(datalist, results, valueOf, labelOf = (result) => result.label) {
  datalist.replaceChildren(
    ...results.map((result) => {
      const option = document.createElement("option");
      option.value = valueOf(result);
      option.label = labelOf(result);
      return option;
    }),
  );
}

function setupIcd10(form) {
  const codeInput = form.querySelector("[data-icd10-search]");
  const descriptionInput = form.querySelector("[data-icd10-description]");
  const datalist = form.querySelector("#icd10-options");
  if (!codeInput || !datalist) return;
  let latest = [];
  codeInput.addEventListener(
    "input",
    debounce(async () => {
      const query = codeInput.value.trim();
      const exact = latest.find((result) => result.code === query.toUpperCase());
      if (exact) {
        if (descriptionInput && !descriptionInput.value) descriptionInput.value = exact.description;
        return;
      }
      if (query.length < 1) return;
      latest = await fetchResults(form.dataset.searchUrl, query);
      fillDatalist(datalist, latest, (result) => result.code);
    }),
  );
  codeInput.addEventListener("change", () => {
    const match = latest.find((result) => result.code === codeInput.value.trim().toUpperCase());
    if (match && descriptionInput && !descriptionInput.value) descriptionInput.value = match.description;
  });
}

function setupMedicines(form) {
  const nameInput = form.querySelector("[data-medicine-search]");
  const datalist = form.querySelector("#medicine-options");
  if (!nameInput || !datalist) return;
  let latest = [];
  const apply = () => {
    const match = latest.find((result) => result.label === nameInput.value);
    if (!match) return;
    nameInput.value = match.name;
    for (const [selector, value] of [
      ["[data-medicine-strength]", match.strength],
      ["[data-medicine-form]", match.form],
      ["[data-medicine-route]", match.route],
    ]) {
      const input = form.querySelector(selector);
      if (input) input.value = value;
    }
  };
  nameInput.addEventListener(
    "input",
    debounce(async () => {
      apply();
      const query = nameInput.value.trim();
      if (query.length < 2) return;
      latest = await fetchResults(form.dataset.searchUrl, query);
      // In stock at the visit's hospital (yes/no; the page supplies the translated words).
      const stockText = (result) =>
        result.in_stock === true
          ? `${result.label} — ${form.dataset.inStockText || "in stock"}`
          : result.in_stock === false
            ? `${result.label} — ${form.dataset.outOfStockText || "out of stock"}`
            : result.label;
      fillDatalist(datalist, latest, (result) => result.label, stockText);
    }),
  );
  nameInput.addEventListener("change", apply);
}

document.querySelectorAll("[data-icd10-form]").forEach(setupIcd10);
document.querySelectorAll("[data-medicine-form]").forEach(setupMedicines);
