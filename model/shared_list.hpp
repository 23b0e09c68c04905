// SharedList: how the logic receives a list of the whole fleet (metadata
// `/hosts`, `/services/swarmkit-mon/containers`).
//
// The script read the whole list on every loop and so does the logic; what
// it reads is an immutable, shared, ordered view with an index by host uuid,
// so that handing a host its answer costs a pointer copy, and the lowest
// create_index or a host's own entry costs O(log N) instead of a sort. The
// order is the list's own: `list_order(item, position)` gives it (metadata
// lists hosts in the order given, containers by create_index), and
// `list_uuid(item)` the uuid the index is keyed by. Both are found by
// argument-dependent lookup next to the item type.
//
// A list built from a vector (a parsed HTTP answer, a test) and one built
// version by version (the simulator's Cattle) are the same type and read
// alike.
//
// An item type may also declare `list_flagged(item)`: the list then keeps
// the flagged items apart, in list order, so that the few a reader looks
// for among the whole fleet (the hosts labelled swarm=manager) cost
// O(flagged) to walk, not O(N).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "model/persistent_map.hpp"

namespace swarmsim::model {

template <class T>
concept FlagsItems = requires(const T& t) {
  { list_flagged(t) } -> std::convertible_to<bool>;
};

template <class T>
class SharedList {
 public:
  // Position in the list: ties in the first part are broken by the second.
  using Key = std::pair<std::uint64_t, std::uint64_t>;
  using Item = std::shared_ptr<const T>;

  SharedList() = default;
  SharedList(std::vector<T> items) {  // NOLINT(google-explicit-constructor): an answer is a list
    std::vector<std::pair<Key, Item>> sorted;
    sorted.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Key k = list_order(items[i], i);
      sorted.emplace_back(k, std::make_shared<const T>(std::move(items[i])));
    }
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<Key, Item>> flagged;
    for (const auto& [k, item] : sorted) {
      by_uuid_ = by_uuid_.set(uuid_key(list_uuid(*item)), Entry{k, item});
      if (is_flagged(*item)) flagged.emplace_back(k, item);
    }
    flagged_ = Items::from_sorted(std::move(flagged));
    items_ = Items::from_sorted(std::move(sorted));
  }
  SharedList(std::initializer_list<T> items) : SharedList(std::vector<T>(items)) {}

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const T& operator*() const { return *it_.value(); }
    const T* operator->() const { return it_.value().get(); }
    const_iterator& operator++() {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) {
      auto old = *this;
      ++it_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.it_ == b.it_;
    }

   private:
    friend class SharedList;
    explicit const_iterator(typename PersistentMap<Key, Item>::const_iterator it) : it_(it) {}
    typename PersistentMap<Key, Item>::const_iterator it_;
  };
  const_iterator begin() const { return const_iterator(items_.begin()); }
  const_iterator end() const { return const_iterator(items_.end()); }
  // The first entry; the list must not be empty.
  const T& front() const { return *begin(); }

  // The entry whose uuid is `uuid`, or null.
  const T* find(std::string_view uuid) const {
    const Entry* e = by_uuid_.find(uuid_key(uuid));
    return e ? e->second.get() : nullptr;
  }
  // Where the entry whose uuid is `uuid` stands in the list, or null.
  const Key* position_of(std::string_view uuid) const {
    const Entry* e = by_uuid_.find(uuid_key(uuid));
    return e ? &e->first : nullptr;
  }
  // No two entries share a uuid. Where some do, find() gives one of them
  // (the one set last, or after a removal the last in list order).
  bool uuids_unique() const { return by_uuid_.size() == items_.size(); }

  // The entries `list_flagged` picks, in list order (only for item types
  // that declare it).
  class Flagged {
   public:
    const_iterator begin() const { return const_iterator(items_->begin()); }
    const_iterator end() const { return const_iterator(items_->end()); }
    std::size_t size() const { return items_->size(); }

   private:
    friend class SharedList;
    explicit Flagged(const PersistentMap<Key, Item>* items) : items_(items) {}
    const PersistentMap<Key, Item>* items_;
  };
  Flagged flagged() const requires FlagsItems<T> { return Flagged(&flagged_); }

  // ---- versions, for whoever keeps the list (O(log N) each) ----
  // The list with `item` at `key` (added, or replacing what was there).
  [[nodiscard]] SharedList with(Key key, Item item) const {
    SharedList out = without(key);
    out.by_uuid_ = out.by_uuid_.set(uuid_key(list_uuid(*item)), Entry{key, item});
    if (is_flagged(*item)) out.flagged_ = out.flagged_.set(key, item);
    out.items_ = out.items_.set(key, std::move(item));
    return out;
  }
  [[nodiscard]] SharedList without(Key key) const {
    const Item* old = items_.find(key);
    if (!old) return *this;
    SharedList out = *this;
    const UuidKey uuid = uuid_key(list_uuid(**old));
    const Entry* indexed = by_uuid_.find(uuid);
    if (indexed && indexed->second.get() == old->get()) {
      out.by_uuid_ = by_uuid_.erase(uuid);
      // Another entry may share the uuid (only where uuids repeat: a walk,
      // then): the index then points at the last such in list order.
      if (!uuids_unique()) {
        for (auto it = items_.begin(); it != items_.end(); ++it)
          if (it.key() != key &&
              list_uuid(*it.value()) == uuid.second)  // the key views its own item
            out.by_uuid_ =
                out.by_uuid_.set(uuid_key(list_uuid(*it.value())), Entry{it.key(), it.value()});
      }
    }
    if (is_flagged(**old)) out.flagged_ = flagged_.erase(key);
    out.items_ = items_.erase(key);
    return out;
  }

  friend bool operator==(const SharedList& a, const SharedList& b) {
    if (a.items_.same_as(b.items_)) return true;
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  using Items = PersistentMap<Key, Item>;
  static bool is_flagged(const T& item) {
    if constexpr (FlagsItems<T>)
      return list_flagged(item);
    else
      return false;
  }
  Items items_;
  Items flagged_;  // empty unless T declares list_flagged
  // Keyed by the uuid's hash first, so that a lookup compares integers;
  // the views point into the items the values hold alive.
  using UuidKey = std::pair<std::size_t, std::string_view>;
  static UuidKey uuid_key(std::string_view uuid) {
    return {std::hash<std::string_view>()(uuid), uuid};
  }
  using Entry = std::pair<Key, Item>;
  PersistentMap<UuidKey, Entry> by_uuid_;
};

}  // namespace swarmsim::model
