// The shell's only script. The drawer (on a phone) and the account menu are HTML popovers: they open, close on
// Escape and on a click outside without help. This script adds two things: their buttons say whether they are
// open (aria-expanded, which not every browser derives from popovertarget), and a link followed inside one closes
// it, because Blazor's enhanced navigation swaps the page without unloading it.
document.addEventListener('toggle', event => {
    const popover = event.target;
    if (popover instanceof Element && popover.id && popover.hasAttribute('popover')) {
        for (const button of document.querySelectorAll(`[popovertarget="${popover.id}"]`)) {
            button.setAttribute('aria-expanded', event.newState === 'open' ? 'true' : 'false');
        }
    }
}, true);

document.addEventListener('click', event => {
    const link = event.target instanceof Element ? event.target.closest('#shell-nav a, #shell-menu a') : null;
    const popover = link?.closest('[popover]');
    if (popover?.matches(':popover-open')) {
        popover.hidePopover();
    }
});
