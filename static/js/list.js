// The commitment list's filters apply as soon as a choice changes; without JavaScript, Apply does.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("commitment-filters");
  if (!form) return;
  form.addEventListener("change", (event) => {
    if (event.target.matches('input[type="checkbox"], input[type="radio"], select')) form.requestSubmit();
  });
});
