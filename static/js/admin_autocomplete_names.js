'use strict';
// Names select2's boxes (the admin's autocomplete fields) after their field: its label, or in an
// inline table its column's heading. Runs after admin/js/autocomplete.js has drawn them (on the page,
// and in each inline row added).
{
    const $ = django.jQuery;

    function fieldName(select) {
        const label = document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
        if (label) {
            return label.textContent.replace(/:\s*$/, '').trim();
        }
        const heading = select.closest('table')?.querySelector(`th.column-${CSS.escape(select.dataset.fieldName)}`);
        return heading ? heading.textContent.trim() : select.dataset.fieldName;
    }

    function nameBoxes(root) {
        root.querySelectorAll('select.admin-autocomplete:not([name*=__prefix__])').forEach((select) => {
            const box = select.nextElementSibling;
            if (!box || !box.classList.contains('select2')) {
                return;
            }
            const name = fieldName(select);
            box.querySelectorAll('.select2-selection__rendered, .select2-search__field').forEach((part) => {
                part.setAttribute('aria-label', name);
            });
        });
    }

    $(() => nameBoxes(document));
    document.addEventListener('formset:added', (event) => nameBoxes(event.target));
}
