// Shows a BPMN diagram with bpmn-js (NavigatedViewer) and marks where instances are.
// All drawing is bpmn-js's; this only loads the XML and adds markers and count badges.
(function () {
  function parse(el, name, fallback) {
    try { return JSON.parse(el.dataset[name] || ''); } catch (e) { return fallback; }
  }

  function badge(text, className, title) {
    var span = document.createElement('span');
    span.className = 'badge ' + className;
    span.textContent = text;
    span.title = title;
    return span;
  }

  function show(el) {
    var box = el.closest('.diagram-box');
    var viewer = new BpmnJS({ container: el });
    var fail = function (message) {
      var out = box.querySelector('.diagram-error');
      out.textContent = 'The diagram could not be shown: ' + message;
      out.hidden = false;
    };
    fetch(el.dataset.xmlUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var overlays = viewer.get('overlays');
        var registry = viewer.get('elementRegistry');
        canvas.zoom('fit-viewport', 'auto');
        var has = function (id) { return !!registry.get(id); };
        parse(el, 'active', []).filter(has).forEach(function (id) { canvas.addMarker(id, 'marker-active'); });
        parse(el, 'failed', []).filter(has).forEach(function (id) { canvas.addMarker(id, 'marker-failed'); });
        var waiting = parse(el, 'waiting', {});
        Object.keys(waiting).filter(has).forEach(function (id) {
          overlays.add(id, { position: { bottom: 10, left: -8 },
            html: badge(waiting[id], 'badge-wait', waiting[id] + ' instance(s) waiting here') });
        });
        var incidents = parse(el, 'incidents', {});
        Object.keys(incidents).filter(has).forEach(function (id) {
          overlays.add(id, { position: { top: -10, right: 10 },
            html: badge(incidents[id], 'badge-incident', incidents[id] + ' open incident(s) here') });
        });
        el.dataset.rendered = 'true';
        box.querySelectorAll('[data-zoom]').forEach(function (button) {
          button.addEventListener('click', function () {
            var how = button.dataset.zoom;
            if (how === 'fit') { canvas.zoom('fit-viewport', 'auto'); return; }
            canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
          });
        });
        // Arrow keys scroll the focused diagram, so it can be explored without a mouse.
        el.addEventListener('keydown', function (event) {
          var step = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40] }[event.key];
          if (step) { canvas.scroll({ dx: step[0], dy: step[1] }); event.preventDefault(); }
        });
      })
      .catch(function (error) {
        var message = error.message || String(error);
        fail(/no diagram to display/.test(message)
          ? 'the model has no diagram layout (BPMN DI), so there is nothing to draw.' : message);
      });
  }

  document.querySelectorAll('[data-bpmn-diagram]').forEach(show);
})();
