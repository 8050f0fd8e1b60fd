// "Select all" for the inbox's bulk actions; without JavaScript each box still works on its own.
document.querySelectorAll('[data-select-all]').forEach(function (all) {
  var boxes = function () {
    return all.closest('form').querySelectorAll('input[type=checkbox][name=task]');
  };
  all.addEventListener('change', function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
});
