//! Hints about memory the core fills in bulk.

/// Below this many bytes a buffer is left to the allocator as it is.
#[cfg(target_os = "linux")]
const HUGE_PAGE_MIN_BYTES: usize = 8 << 20;

/// Asks the kernel to back the unused capacity of a large vector with transparent huge pages,
/// where it allows them when asked (`/sys/kernel/mm/transparent_hugepage/enabled` is `madvise`,
/// Debian's and many distributions' default). A million transactions fill 150 MB: in 4 KiB pages
/// that is 37,000 page faults, each taken as the rows are first written; in 2 MiB pages, 75. Only
/// a hint: it changes no byte, and where the kernel declines it, nothing at all.
pub(crate) fn prefer_huge_pages<T>(v: &mut Vec<T>) {
    let spare = v.spare_capacity_mut();
    advise(spare.as_mut_ptr().cast(), std::mem::size_of_val(spare));
}

/// [`prefer_huge_pages`] for a buffer just made and not yet written (`vec![0; n]`, whose pages a
/// large allocation takes fresh from the kernel).
pub(crate) fn prefer_huge_pages_for<T>(fresh: &mut [T]) {
    advise(fresh.as_mut_ptr().cast(), std::mem::size_of_val(fresh));
}

fn advise(ptr: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        if bytes < HUGE_PAGE_MIN_BYTES {
            return;
        }
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + bytes) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies within one allocation of the caller's, and MADV_HUGEPAGE
            // changes no content: it only marks how the pages may be backed.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, bytes);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping that holds `addr`, from `/proc/self/smaps`.
    fn vm_flags(addr: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = (lo..hi).contains(&addr);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return Some(flags.trim().to_owned());
            }
        }
        None
    }

    #[test]
    fn a_large_buffer_is_marked_for_huge_pages_and_a_small_one_is_not() {
        let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if !mode.is_ok_and(|m| m.contains("[madvise]") || m.contains("[always]")) {
            eprintln!("skipped: this kernel takes no transparent huge pages");
            return;
        }
        let mut large: Vec<u64> = Vec::with_capacity(HUGE_PAGE_MIN_BYTES / 8 * 4);
        prefer_huge_pages(&mut large);
        let middle = large.as_ptr() as usize + HUGE_PAGE_MIN_BYTES * 2;
        let flags = vm_flags(middle).expect("the buffer's mapping is in smaps");
        assert!(flags.split(' ').any(|f| f == "hg"), "{flags}");

        let mut small: Vec<u64> = Vec::with_capacity(1024);
        prefer_huge_pages(&mut small);
        let flags = vm_flags(small.as_ptr() as usize).expect("the heap is in smaps");
        assert!(!flags.split(' ').any(|f| f == "hg"), "{flags}");
        // Contents are untouched by the hint.
        large.extend(0..1000);
        assert_eq!(large[999], 999);
    }
}
