// The explorer's small browser script (served by Dash from this folder).
//
// 0. Tabs shown at the click, in the page (see below).
// 1. Keyboard use of the tabs (WAI-ARIA tabs pattern): on a tab, the Left and Right
//    arrows move to the previous or next tab and show it, Home and End to the first and
//    last. The tabs themselves are buttons (Enter and Space press them).
// 2. Names and roles that Dash 4's own controls leave out, set after each render (a
//    MutationObserver), in the page's language (window.KAZIND_TEXTS, from the .po files):
//    - a slider's handle and number box are named by the slider's label (id "<slider>-label");
//    - a checklist (radio items) is a group of checkboxes (a radio group) named by its
//      label (id "<id>-label"), not a list box of options wrapping the inputs;
//    - a dropdown's hidden focus target leaves the Tab order (it is aria-hidden);
//    - a table's page buttons and the hidden case toggle get names.
// 0. A tab is shown the moment it is clicked (before Dash's callbacks run): the panel's
//    hidden attribute and the tab's state are set here, in the page; Dash then updates the
//    URL state and, on a first visit, asks the server for the panel. The same function
//    runs from the frame's callback when the state changes otherwise (a link, a chapter).
window.kazindShowTab = function (tab) {
  document.querySelectorAll('[role="tab"][data-tab]').forEach(function (button) {
    const key = button.getAttribute('data-tab'), on = key === tab;
    const panel = document.getElementById('panel-' + key);
    button.setAttribute('aria-selected', on ? 'true' : 'false');
    button.tabIndex = on ? 0 : -1;
    button.classList.toggle('kz-tab--selected', on);
    if (panel && panel.hidden === on) { panel.hidden = !on; }
  });
};
document.addEventListener('click', function (event) {
  const tab = event.target.closest && event.target.closest('[role="tab"][data-tab]');
  if (tab) {
    window.kazindLastTab = tab.getAttribute('data-tab');
    window.kazindShowTab(window.kazindLastTab);
  }
}, true);

document.addEventListener('keydown', function (event) {
  const tab = event.target.closest && event.target.closest('[role="tab"]');
  if (!tab) { return; }
  const tabs = Array.from(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
  const i = tabs.indexOf(tab);
  let next = null;
  if (event.key === 'ArrowRight') { next = tabs[(i + 1) % tabs.length]; }
  else if (event.key === 'ArrowLeft') { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
  else if (event.key === 'Home') { next = tabs[0]; }
  else if (event.key === 'End') { next = tabs[tabs.length - 1]; }
  if (next) {
    event.preventDefault();
    next.focus();
    next.click();
  }
});

(function () {
  function text(key) {
    const lang = document.documentElement.lang || 'kk';
    const texts = (window.KAZIND_TEXTS || {})[lang] || {};
    return texts[key] || key;
  }
  function set(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  function fix(root) {
    root.querySelectorAll('.dash-slider-root').forEach(function (slider) {
      const owner = slider.closest('[id]');
      const label = owner && document.getElementById(owner.id + '-label');
      if (!label) { return; }
      owner.querySelectorAll('[role="slider"], input').forEach(function (el) { set(el, 'aria-labelledby', label.id); });
    });
    root.querySelectorAll('.dash-options-list.dash-checklist, .dash-options-list.dash-radioitems').forEach(function (list) {
      const owner = list.closest('[id]');
      const label = owner && document.getElementById(owner.id + '-label');
      const radios = list.querySelector('input[type="radio"]');
      if (owner && (radios || list.querySelector('input[type="checkbox"]'))) {
        set(list, 'role', radios ? 'radiogroup' : 'group');
        if (label) { set(list, 'aria-labelledby', label.id); }
        list.querySelectorAll('[role="option"]').forEach(function (opt) {
          opt.removeAttribute('role');
          opt.removeAttribute('aria-selected');
        });
      }
    });
    root.querySelectorAll('.dash-dropdown-focus-target[aria-hidden="true"]').forEach(function (el) { set(el, 'tabindex', '-1'); });
    const pages = {'first-page': 'First page', 'previous-page': 'Previous page', 'next-page': 'Next page',
                   'last-page': 'Last page'};
    Object.keys(pages).forEach(function (cls) {
      root.querySelectorAll('button.' + cls).forEach(function (b) { set(b, 'aria-label', text(pages[cls])); });
    });
    root.querySelectorAll('.dash-filter--case').forEach(function (el) { set(el, 'title', text('Match case')); });
    root.querySelectorAll('input.current-page').forEach(function (el) { set(el, 'aria-label', text('Page')); });
  }
  let pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(document); });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['role', 'aria-selected', 'lang', 'class']});
})();

// 3. On a phone the fact panel stands under the charts: when a click on a point fills it
//    (its data-fact changes), bring it into view.
(function () {
  let shown = null;
  new MutationObserver(function () {
    const panel = document.getElementById('fact-panel');
    const fact = panel && panel.getAttribute('data-fact');
    if (fact && fact !== shown) {
      shown = fact;
      if (window.innerWidth <= 760) { panel.scrollIntoView({behavior: 'smooth', block: 'start'}); }
    }
  }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ['data-fact']});
})();
