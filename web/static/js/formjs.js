// Renders a Camunda 8 form with form-js and sends its data with the page's own form, so the
// server checks it and the CSRF token and closing remark go along as for every other form.
(function () {
  var page = document.querySelector('[data-formjs-form]');
  if (!page) { return; }
  var container = document.querySelector('[data-formjs]');
  var schema = JSON.parse(document.getElementById('formjs-schema').textContent);
  var data = JSON.parse(document.getElementById('formjs-data').textContent) || {};
  Object.keys(data).forEach(function (key) { if (data[key] === null) { delete data[key]; } });
  var form = new FormViewer.Form({ container: container });

  // form-js names its inputs after generated ids; name them after the field keys instead, as
  // every other form here does (the hidden JSON field is what is actually read).
  function nameInputs() {
    var registry = form.get('formFieldRegistry');
    registry.getAll().forEach(function (field) {
      if (!field.key) { return; }
      container.querySelectorAll('[id$="-' + field.id + '"]').forEach(function (input) {
        if (input.matches('input, select, textarea')) { input.setAttribute('name', field.key); }
      });
    });
  }

  form.importSchema(schema, data).then(nameInputs).catch(function (error) {
    container.textContent = 'The form could not be shown: ' + error.message;
  });

  // Enter in one of form-js's inputs submits form-js's own form: send ours instead.
  container.addEventListener('submit', function (event) {
    event.preventDefault();
    page.requestSubmit();
  });

  page.addEventListener('submit', function (event) {
    var result = form.submit();
    if (result.errors && Object.keys(result.errors).length) {
      event.preventDefault();   // form-js shows each problem beside its field
      return;
    }
    page.querySelector('input[name=_formjs_data]').value = JSON.stringify(result.data);
  });
})();
