// Keyboard use of the explorer's tabs (WAI-ARIA tabs pattern): on a tab, the Left and
// Right arrows move to the previous or next tab and show it, Home and End to the first
// and last. The tabs themselves are buttons (Enter and Space press them).
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
